"""A system's heartbeat: one row of `core_systems_status`, and when it counts as stale."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from swarmbus.model import timefmt
from swarmbus.model.types import JsonList, JsonObject, UtcTime

SystemName = Literal["messaging", "discord", "coordination", "monitoring"]
SYSTEM_NAMES: tuple[SystemName, ...] = ("messaging", "discord", "coordination", "monitoring")
SystemState = Literal["active", "inactive", "error", "maintenance"]
STALE_AFTER_INTERVALS = 3  # a heartbeat older than this many intervals is stale
STALE_MARK = "stale:"  # status_detail prefix of a row the monitor marked (mark_system_stale)
STOPPED_SHOWN_SECONDS = 86_400  # a system stopped longer ago drops out of status and doctor


class SystemStatus(BaseModel):
    """One row of `core_systems_status`: the latest heartbeat of one system."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    system_id: str
    system_name: SystemName
    system_status: SystemState
    health_score: float = Field(default=100.0, ge=0, le=100)
    last_health_check: UtcTime = Field(default_factory=timefmt.utcnow)
    error_count: int = Field(default=0, ge=0)
    performance_metrics: JsonObject | None = None
    integration_dependencies: JsonList | None = None
    system_configuration: JsonObject | None = None
    monitoring_alerts: JsonList | None = None
    maintenance_schedule: JsonObject | None = None
    host: str | None = None
    heartbeat_interval_seconds: float = Field(default=5.0, gt=0)
    status_detail: str | None = None
    started_at: UtcTime | None = None

    def age_seconds(self, now: datetime | None = None) -> float:
        """Seconds since the last heartbeat."""
        return ((now or timefmt.utcnow()) - self.last_health_check).total_seconds()

    def is_stale(self, now: datetime | None = None) -> bool:
        """Whether the system missed several heartbeats while claiming to run."""
        if self.system_status == "inactive":
            return False
        limit = self.heartbeat_interval_seconds * STALE_AFTER_INTERVALS
        return self.age_seconds(now) > limit

    def is_free(self, now: datetime | None = None) -> bool:
        """Whether a new writer may take this row over: it stopped, or went silent."""
        return self.system_status == "inactive" or self.is_stale(now)

    def long_stopped(self, now: datetime | None = None) -> bool:
        """Stopped cleanly over a day ago: history, no longer part of the swarm's picture."""
        return self.system_status == "inactive" and self.age_seconds(now) > STOPPED_SHOWN_SECONDS
