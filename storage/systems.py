"""The `core_systems_status` table: one heartbeat row per running system."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from swarmbus.storage import queries as sql
from swarmbus.storage import timefmt
from swarmbus.storage.connector import Connector
from swarmbus.storage.types import JsonList, JsonObject, UtcTime, dump_json, row_params

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


class SystemRepository:
    """All SQL on `core_systems_status`."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)
        self._reported: dict[str, int] = {}  # system_id -> error_count of its last beat here

    async def heartbeat(self, status: SystemStatus) -> None:
        """Write a system's current row.

        `status.error_count` is the writer's own count since it started; the row
        adds what is new since its last beat to what the row already holds.
        """
        before = self._reported.get(status.system_id, 0)
        delta = status.error_count - before if status.error_count >= before else status.error_count
        params = {**row_params(status), "error_delta": delta}
        async with self._db.transaction() as tx:
            await tx.execute(self._q["upsert_system"], params)
        self._reported[status.system_id] = status.error_count

    async def claim(
        self, candidates: Sequence[str], starting: Callable[[str], SystemStatus]
    ) -> str | None:
        """Take the first of `candidates` whose row is missing or free; None if none is.

        In one transaction, the taken row gets `starting(system_id)` as its first
        heartbeat (its error_count history kept), so no concurrent caller takes it too.
        """
        now = timefmt.utcnow()
        async with self._db.transaction() as tx:
            await tx.fetch_all(self._q["lock_systems"])
            rows = await tx.fetch_all(self._q["list_systems"])
            existing = {row["system_id"]: SystemStatus.model_validate(row) for row in rows}
            for system_id in candidates:
                if system_id not in existing or existing[system_id].is_free(now):
                    first = starting(system_id)
                    await tx.execute(
                        self._q["upsert_system"], {**row_params(first), "error_delta": 0}
                    )
                    self._reported[system_id] = first.error_count
                    return system_id
        return None

    async def list(self) -> list[SystemStatus]:
        rows = await self._db.fetch_all(self._q["list_systems"])
        return [SystemStatus.model_validate(row) for row in rows]

    async def get(self, system_id: str) -> SystemStatus | None:
        row = await self._db.fetch_one(self._q["get_system"], {"system_id": system_id})
        return None if row is None else SystemStatus.model_validate(row)

    async def mark_stale(self, seen: SystemStatus, detail: str, alerts: list[dict]) -> bool:
        """Mark a silent system as failing (error, one more error, alerts).

        Only if its row is still the one `seen` (no heartbeat arrived since) and
        it is not marked already; returns whether this call marked it.
        """
        params = {
            "system_id": seen.system_id,
            "last_health_check": timefmt.to_text(seen.last_health_check),
            "status_detail": detail,
            "monitoring_alerts": dump_json(alerts),
        }
        async with self._db.transaction() as tx:
            return await tx.execute(self._q["mark_system_stale"], params) == 1
