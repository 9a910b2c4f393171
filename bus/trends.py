"""How a swarm's numbers move over time: V2 compliance per audit run, delivery latency.

Faces draw these as small charts (the web dashboard's agents page). Latency is
the time a person waits: from `sent_at` to `processed_at` of delivered
messages, bucketed by when they were delivered, with the median and the 95th
percentile per bucket. It is computed over at most `SAMPLE` of the newest
deliveries in the window, so a busy swarm's chart costs the same as a quiet
one's; `sampled` and `capped` say over how many.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from swarmbus.bus import requests
from swarmbus.model import timefmt
from swarmbus.storage.history import DeliveryHistory

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus

SAMPLE = 5000  # newest deliveries the latency trend is computed over, at most
MAX_BUCKETS = 200


@dataclass(frozen=True)
class CompliancePoint:
    """One audit run: when it ran and its average score (0-100)."""

    at: datetime
    average: float
    run_id: str | None


@dataclass(frozen=True)
class LatencyBucket:
    """Deliveries that finished in [start, start + width): how many, and how long they took."""

    start: datetime
    count: int
    p50_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True)
class LatencyTrend:
    buckets: list[LatencyBucket]
    width: timedelta
    sampled: int  # deliveries the buckets were computed over
    capped: bool  # True when the window held more than the sample


class Trends:
    """The trends of one swarm, through its open bus."""

    def __init__(self, bus: Bus) -> None:
        self._db = bus.db

    async def compliance(self, runs: int = 30) -> list[CompliancePoint]:
        """The latest `runs` audit runs, oldest first."""
        requests.check_limit(runs)
        rows = await self._db.audits.runs(limit=runs)
        points = [
            CompliancePoint(
                timefmt.from_text(str(row["audited_at"])),
                float(row["average_score"] or 0.0),
                row["run_id"],
            )
            for row in rows
            if row["audited_at"] is not None
        ]
        return sorted(points, key=lambda point: point.at)

    async def latency(
        self, window: timedelta = timedelta(hours=24), buckets: int = 24
    ) -> LatencyTrend:
        """Delivery latency over the last `window`, in `buckets` equal buckets, oldest first."""
        if not 1 <= buckets <= MAX_BUCKETS:
            raise ValueError(f"buckets must be 1 to {MAX_BUCKETS}, not {buckets}")
        now = timefmt.utcnow()
        start, width = now - window, window / buckets
        rows = await DeliveryHistory(self._db.connector).delivered_since(start, SAMPLE + 1)
        waits: list[list[float]] = [[] for _ in range(buckets)]
        for row in rows[:SAMPLE]:
            processed = timefmt.from_text(str(row["processed_at"]))
            index = min(buckets - 1, int((processed - start) / width))
            sent = timefmt.from_text(str(row["sent_at"]))
            waits[index].append(max(0.0, (processed - sent).total_seconds() * 1000))
        return LatencyTrend(
            [_bucket(start + width * n, values) for n, values in enumerate(waits)],
            width,
            min(len(rows), SAMPLE),
            len(rows) > SAMPLE,
        )


def _bucket(start: datetime, values: list[float]) -> LatencyBucket:
    if not values:
        return LatencyBucket(start, 0, None, None)
    ordered = sorted(values)
    return LatencyBucket(start, len(ordered), _rank(ordered, 0.5), _rank(ordered, 0.95))


def _rank(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted values."""
    return ordered[min(len(ordered), max(1, math.ceil(fraction * len(ordered)))) - 1]
