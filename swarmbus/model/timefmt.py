"""UTC times in the one text format every table uses.

`2026-11-25T12:51:35.123Z`: fixed width with milliseconds, so that comparing
the text compares the times (the claim query relies on it). SQLite's own
defaults produce the same shape with `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC, truncated to milliseconds."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def to_text(moment: datetime) -> str:
    """Format an aware datetime for storage."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: swarmbus stores only UTC-aware times")
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def from_text(text: str) -> datetime:
    """Parse a stored time (also accepts SQLite's `YYYY-MM-DD HH:MM:SS`)."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def now_text() -> str:
    """The current time, formatted for storage."""
    return to_text(utcnow())


def text_after(seconds: float, start: datetime | None = None) -> str:
    """The stored form of `start` (default: now) plus `seconds`."""
    return to_text((start or utcnow()) + timedelta(seconds=seconds))


def monotonic_ms() -> float:
    """Milliseconds on the monotonic clock, for durations."""
    return time.perf_counter() * 1000.0
