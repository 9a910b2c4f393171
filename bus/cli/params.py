"""Parsing of the CLI's own value formats: durations and points in time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from swarmbus import errors
from swarmbus.storage import timefmt

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
DURATION_RULE = "a number with an optional unit: 90, 90s, 15m, 2h, 30d, 1w"


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """`"30d"` -> 30 days; a bare number is seconds."""
    match = _DURATION.match(text)
    if match is None or float(match[1]) <= 0:
        raise errors.UsageError(f"{what} {text!r} is not allowed; use {DURATION_RULE}")
    return timedelta(seconds=float(match[1]) * _UNITS[match[2]])


def parse_since(text: str) -> datetime:
    """A duration back from now (`"10m"`) or an ISO time (`2026-11-25T12:00Z`)."""
    if _DURATION.match(text):
        return timefmt.utcnow() - parse_duration(text, what="--since")
    try:
        return timefmt.from_text(text)
    except ValueError:
        raise errors.UsageError(
            f"--since {text!r} is not allowed; use {DURATION_RULE}, or an ISO time "
            f"like 2026-11-25T12:00:00Z"
        ) from None
