"""The dispatcher's own health: its counters and its health score.

health_score = 100
  − 60 × (share of the last attempts that failed, over up to 200 attempts)
  − 20 if a transport is paused or unavailable while messages wait for it
  − 20 if the last database operation of the dispatcher failed
clamped to 0..100. A stopped dispatcher writes `inactive`; one that died
stops writing, and readers call its row stale after 3 missed heartbeats.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Any

RECENT_ATTEMPTS = 200  # attempts the failure share is computed over
RECENT_DELIVERY_TIMES = 1000  # deliveries the median/p95 delivery time is computed over


@dataclass
class DispatchStats:
    """What one dispatcher did since it started."""

    delivered: int = 0
    failed_attempts: int = 0
    dead_lettered: int = 0
    expired: int = 0
    released: int = 0
    redeliveries: int = 0
    lost_claims: int = 0
    claims: int = 0
    errors: int = 0
    recent: deque[bool] = field(default_factory=lambda: deque(maxlen=RECENT_ATTEMPTS))
    delivery_ms: deque[int] = field(default_factory=lambda: deque(maxlen=RECENT_DELIVERY_TIMES))

    def record_attempt(self, ok: bool, elapsed_ms: int | None = None) -> None:
        self.recent.append(ok)
        if ok and elapsed_ms is not None:
            self.delivery_ms.append(elapsed_ms)

    @property
    def failure_share(self) -> float:
        return self.recent.count(False) / len(self.recent) if self.recent else 0.0

    def delivery_percentiles(self) -> dict[str, float | None]:
        times = sorted(self.delivery_ms)
        if not times:
            return {"median_delivery_ms": None, "p95_delivery_ms": None}
        return {
            "median_delivery_ms": float(statistics.median(times)),
            "p95_delivery_ms": float(times[min(len(times) - 1, int(len(times) * 0.95))]),
        }

    def as_metrics(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "failed_attempts": self.failed_attempts,
            "dead_lettered": self.dead_lettered,
            "expired": self.expired,
            "released": self.released,
            "redeliveries": self.redeliveries,
            "lost_claims": self.lost_claims,
            "claims": self.claims,
            "errors": self.errors,
            **self.delivery_percentiles(),
        }


def health_score(stats: DispatchStats, *, blocked_transport: bool, db_error: bool) -> float:
    """The formula in the module docstring."""
    score = 100.0 - 60.0 * stats.failure_share
    score -= 20.0 if blocked_transport else 0.0
    score -= 20.0 if db_error else 0.0
    return round(max(0.0, min(100.0, score)), 1)
