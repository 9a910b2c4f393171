"""Column types shared by the row models: JSON text and UTC times.

JSON columns are stored as text (checked with `json_valid` in the schema) and
read back into typed Python values through these annotated types; times are
stored in `timefmt`'s one text format. How models become query parameters is
storage's business (`swarmbus.storage.rows`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from swarmbus.model import timefmt


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
