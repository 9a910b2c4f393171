"""The monitor loop inside `swarmbus run`: watches every system's heartbeat.

Every `monitoring.interval_seconds` it writes two rows: `coordination` (see
`agents.coordination`) and its own `monitoring` row; and it marks every other
system whose heartbeat is stale (older than 3 of its intervals): status
`error`, `error_count` one higher, an alert appended to its
`monitoring_alerts`, a `stale:` detail. A system is marked once per silence;
its next heartbeat overwrites the mark.

monitoring health_score = 100 × fresh systems / watched systems (100 when it
watches none), − 20 when its last pass failed on the database; clamped to 0..100.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio

from swarmbus import errors
from swarmbus.agents import coordination
from swarmbus.bus.context import DispatchContext
from swarmbus.model import timefmt
from swarmbus.model.systems import STALE_AFTER_INTERVALS, STALE_MARK, SystemState, SystemStatus

logger = logging.getLogger(__name__)

KEPT_ALERTS = 10  # alerts kept on a marked system's row (newest last)


@dataclass
class MonitorStats:
    passes: int = 0
    marked: int = 0
    errors: int = 0
    last_pass_ms: float = 0.0
    db_error: bool = False


class Monitor:
    """Writes one dispatcher's `monitoring` and `coordination` rows; marks stale systems."""

    def __init__(self, context: DispatchContext) -> None:
        self.ctx = context
        self.swarm = context.bus.swarm
        self.interval = self.swarm.config.monitoring.interval_seconds
        suffix = context.name.removeprefix("messaging@")
        self.system_id = f"monitoring@{suffix}"
        self.coordination_id = f"coordination@{suffix}"
        self.stats = MonitorStats()
        self.started_at = timefmt.utcnow()
        self.stale: list[dict[str, Any]] = []  # alerts of the last pass
        self.watched: list[str] = []

    async def loop(self) -> None:
        """One pass every `interval` seconds until cancelled."""
        while True:
            await self.check()
            await anyio.sleep(self.interval)

    async def check(self) -> None:
        """One pass; a database failure is counted and logged, never raised."""
        started = time.perf_counter()
        try:
            now = timefmt.utcnow()
            await self._mark_stale(await self.ctx.bus.db.systems.list(), now)
            await self._write_coordination(now)
            self.stats.db_error = False
        except errors.StorageError as exc:
            self.stats.errors += 1
            self.stats.db_error = True
            logger.warning("monitor pass failed: %s", exc, extra={"action": "monitor_failed"})
        self.stats.passes += 1
        self.stats.last_pass_ms = round((time.perf_counter() - started) * 1000, 1)
        await self.beat("active")

    async def _mark_stale(self, systems: list[SystemStatus], now: datetime) -> None:
        own = {self.system_id, self.coordination_id, self.ctx.name}
        others = [s for s in systems if s.system_id not in own and s.system_status != "inactive"]
        self.watched = [s.system_id for s in others]
        self.stale = []
        for system in others:
            if system.is_stale(now):
                self.stale.append(_alert(system, now, self.system_id))
                if not (system.status_detail or "").startswith(STALE_MARK):
                    await self._mark(system, self.stale[-1])

    async def _mark(self, system: SystemStatus, alert: dict[str, Any]) -> None:
        detail = (
            f"{STALE_MARK} no heartbeat for {alert['age_seconds']:.0f} s "
            f"(limit {alert['limit_seconds']:g} s), marked by {self.system_id}"
        )
        alerts = [*(system.monitoring_alerts or [])[-(KEPT_ALERTS - 1) :], alert]
        if await self.ctx.bus.db.systems.mark_stale(system, detail, alerts):
            self.stats.marked += 1
            logger.warning(
                "system %s is stale: %s", system.system_id, detail, extra={"action": "mark_stale"}
            )

    async def _write_coordination(self, now: datetime) -> None:
        rows = await self.ctx.bus.db.workspaces.list()
        who = coordination.Identity(
            self.coordination_id, self.ctx.host, self.interval, self.started_at
        )
        await self.ctx.bus.db.systems.heartbeat(coordination.status_row(self.swarm, rows, now, who))

    async def beat(self, state: SystemState) -> None:
        """Write the monitor's own row; a failure is counted and logged, never raised."""
        try:
            await self.ctx.bus.db.systems.heartbeat(self.status(state))
            if state == "inactive":
                await self._stop_coordination()
        except errors.StorageError as exc:
            self.stats.errors += 1
            logger.warning(
                "monitor heartbeat failed: %s", exc, extra={"action": "heartbeat_failed"}
            )

    async def _stop_coordination(self) -> None:
        row = await self.ctx.bus.db.systems.get(self.coordination_id)
        if row is not None:
            stopped = row.model_copy(
                update={"system_status": "inactive", "status_detail": "stopped"}
            )
            await self.ctx.bus.db.systems.heartbeat(stopped)

    def status(self, state: SystemState) -> SystemStatus:
        """The `monitoring` row (the health formula is in the module docstring)."""
        return SystemStatus(
            system_id=self.system_id,
            system_name="monitoring",
            system_status=state,
            health_score=_health(len(self.watched), len(self.stale), self.stats.db_error),
            last_health_check=timefmt.utcnow(),
            error_count=self.stats.errors,
            performance_metrics=_metrics(self),
            integration_dependencies=["database", "core_systems_status", "agent_workspaces"],
            system_configuration={
                "interval_seconds": self.interval,
                "stale_after_intervals": STALE_AFTER_INTERVALS,
                "agent_report_seconds": self.swarm.config.monitoring.agent_report_seconds,
                "dispatcher": self.ctx.name,
            },
            monitoring_alerts=self.stale,
            host=self.ctx.host,
            heartbeat_interval_seconds=self.interval,
            status_detail=_detail(state, self.watched, self.stale),
            started_at=self.started_at,
        )


def _alert(system: SystemStatus, now: datetime, by: str) -> dict[str, Any]:
    return {
        "system_id": system.system_id,
        "alert": "stale",
        "by": by,
        "at": timefmt.to_text(now),
        "age_seconds": round(system.age_seconds(now), 3),
        "limit_seconds": round(system.heartbeat_interval_seconds * STALE_AFTER_INTERVALS, 3),
    }


def _health(watched: int, stale: int, db_error: bool) -> float:
    score = 100.0 * (watched - stale) / watched if watched else 100.0
    score -= 20.0 if db_error else 0.0
    return round(max(0.0, min(100.0, score)), 1)


def _metrics(monitor: Monitor) -> dict[str, Any]:
    stats = monitor.stats
    return {
        "passes": stats.passes,
        "systems_watched": len(monitor.watched),
        "systems_stale": len(monitor.stale),
        "marked_stale_total": stats.marked,
        "errors": stats.errors,
        "last_pass_ms": stats.last_pass_ms,
        "pid": os.getpid(),
        "uptime_seconds": round((timefmt.utcnow() - monitor.started_at).total_seconds(), 1),
    }


def _detail(state: SystemState, watched: list[str], stale: list[dict[str, Any]]) -> str:
    if state == "inactive":
        return "stopped"
    if stale:
        return f"watching {len(watched)} systems; stale: " + ", ".join(
            a["system_id"] for a in stale
        )
    return f"watching {len(watched)} systems, all fresh"
