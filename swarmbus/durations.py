"""Parsing durations and points in time a person types (on the command line, in a form).

Every duration has a range, so that no value a user can type ends in an
overflow: the number is checked before it becomes a `timedelta`, and a point
in time must lie within years that every table's time text can hold.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from swarmbus import errors
from swarmbus.model import timefmt

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
DURATION_RULE = "a number with an optional unit (90, 90s, 15m, 2h, 30d, 1w)"
MAX_DURATION = timedelta(days=3650)  # ten years: the longest look back or ahead
MIN_DURATION = timedelta(milliseconds=1)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)  # the range of ISO times --since takes
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def describe(span: timedelta) -> str:
    """`10d`, `1h`, `1ms`: the shortest exact way to write a range bound."""
    seconds = span.total_seconds()
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds * 1000:g}ms"


def parse_duration(
    text: str,
    *,
    what: str = "duration",
    minimum: timedelta = MIN_DURATION,
    maximum: timedelta = MAX_DURATION,
) -> timedelta:
    """`"30d"` -> 30 days; a bare number is seconds; refused outside [minimum, maximum]."""
    match = _DURATION.match(text)
    seconds = float(match[1]) * _UNITS[match[2]] if match else math.nan
    low, high = minimum.total_seconds(), maximum.total_seconds()
    if not low <= seconds <= high:  # NaN (no match) and inf fail this too
        raise errors.UsageError(
            f"{what} {text!r} is not allowed; use {DURATION_RULE} "
            f"from {describe(minimum)} to {describe(maximum)}"
        )
    return timedelta(seconds=seconds)


def parse_since(text: str) -> datetime:
    """A duration back from now (`"10m"`) or an ISO time (`2026-11-25T12:00Z`)."""
    if _DURATION.match(text):
        return timefmt.utcnow() - parse_duration(text, what="--since")
    try:
        moment = datetime.fromisoformat(text)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        if EARLIEST <= moment < LATEST:
            return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    raise errors.UsageError(
        f"--since {text!r} is not allowed; use {DURATION_RULE} up to {describe(MAX_DURATION)}, "
        f"or an ISO time from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} like 2026-11-25T12:00:00Z"
    )
