"""Row models as query parameters: JSON columns as compact text, times as time text."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from swarmbus.model import timefmt


def dump_json(value: Any) -> str | None:
    """Serialise a JSON column value compactly (None stays NULL)."""
    if value is None:
        return None
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def row_params(model: Any) -> dict[str, Any]:
    """A row model's fields as query parameters: JSON text and time text."""
    params: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, datetime):
            value = timefmt.to_text(value)
        elif isinstance(value, dict | list | tuple):
            value = dump_json(value)
        params[name] = value  # booleans stay booleans: SQLite stores them as 1/0
    return params
