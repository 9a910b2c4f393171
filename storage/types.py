"""Column types shared by the row models: JSON text and 0/1 booleans.

JSON columns are stored as text (checked with `json_valid` in the schema) and
read back into typed Python values through these annotated types.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from swarmbus.storage import timefmt


def _parse_json(value: Any) -> Any:
    if isinstance(value, str | bytes):
        return json.loads(value)
    return value


def _parse_time(value: Any) -> Any:
    if isinstance(value, str):
        return timefmt.from_text(value)
    return value


JsonList = Annotated[list[Any], BeforeValidator(_parse_json)]
JsonObject = Annotated[dict[str, Any], BeforeValidator(_parse_json)]
UtcTime = Annotated[datetime, BeforeValidator(_parse_time), PlainSerializer(timefmt.to_text)]


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
