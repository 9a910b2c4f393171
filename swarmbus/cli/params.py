"""The CLI's value formats: durations and points in time (they live on the ground floor,
`swarmbus.durations`, so every face parses them alike)."""

from __future__ import annotations

from swarmbus.durations import (
    DURATION_RULE,
    EARLIEST,
    LATEST,
    MAX_DURATION,
    MIN_DURATION,
    describe,
    parse_duration,
    parse_since,
)

__all__ = [
    "DURATION_RULE",
    "EARLIEST",
    "LATEST",
    "MAX_DURATION",
    "MIN_DURATION",
    "describe",
    "parse_duration",
    "parse_since",
]
