"""The dispatcher's heartbeat: its `core_systems_status` row every few seconds, and its
reading of the other dispatchers' rows (`follow_peers`)."""

from __future__ import annotations

import logging
import os
from typing import Any

import anyio

from swarmbus import errors
from swarmbus.bus import sharing
from swarmbus.bus.context import DispatchContext
from swarmbus.bus.health import health_score
from swarmbus.model import timefmt
from swarmbus.model.systems import SystemState, SystemStatus

logger = logging.getLogger(__name__)


class Heartbeat:
    """Writes the `system_name='messaging'` row of one dispatcher."""

    def __init__(self, context: DispatchContext, max_in_flight: int) -> None:
        self.ctx = context
        self.max_in_flight = max_in_flight
        self.interval = context.bus.settings.heartbeat_seconds

    async def loop(self) -> None:
        """Beat every `heartbeat_seconds` until cancelled."""
        while True:
            await self.beat("active")
            await anyio.sleep(self.interval)

    async def beat(self, state: SystemState) -> None:
        """Write the row now; a failure is counted and logged, never raised."""
        try:
            depth = await self.ctx.bus.db.messages.queue_depth()
            await self.ctx.bus.db.systems.heartbeat(self.status(state, depth))
            self.ctx.write_succeeded()
        except errors.StorageError as exc:
            self.ctx.stats.errors += 1
            logger.warning("heartbeat failed: %s", exc, extra={"action": "heartbeat_failed"})

    def status(self, state: SystemState, depth: dict[str, int]) -> SystemStatus:
        """The row, from the counters and the queue depth (see `health` for the score)."""
        ctx, stats = self.ctx, self.ctx.stats
        transports = ctx.transport_states()
        blocked = [f"{name} {why}" for name, why in transports.items() if why != "available"]
        waiting = sum(n for status, n in depth.items() if status != "failed")
        return SystemStatus(
            system_id=ctx.name,
            system_name="messaging",
            system_status=state,
            health_score=health_score(
                stats, blocked_transport=bool(blocked) and waiting > 0, db_error=ctx.db_error
            ),
            last_health_check=timefmt.utcnow(),
            error_count=stats.errors + stats.dead_lettered,
            performance_metrics=self._metrics(depth),
            integration_dependencies=["database", *(f"transport:{n}" for n in transports)],
            system_configuration={**self._configuration(), "transports": transports},
            monitoring_alerts=[{"transport": line} for line in blocked],
            host=ctx.host,
            heartbeat_interval_seconds=self.interval,
            status_detail=_detail(state, blocked, ctx.in_flight),
            started_at=ctx.started_at,
        )

    def _metrics(self, depth: dict[str, int]) -> dict[str, Any]:
        return {
            **self.ctx.stats.as_metrics(),
            "queue_depth": depth,
            "in_flight": self.ctx.in_flight,
            "pid": os.getpid(),
            "uptime_seconds": round((timefmt.utcnow() - self.ctx.started_at).total_seconds(), 1),
        }

    def _configuration(self) -> dict[str, Any]:
        settings = self.ctx.bus.settings
        return {
            "lease_seconds": settings.lease_seconds,
            "max_retries": settings.max_retries,
            "backoff_base_seconds": settings.backoff_base_seconds,
            "backoff_max_seconds": settings.backoff_max_seconds,
            "max_in_flight": self.max_in_flight,
            "agents": len(self.ctx.bus.configured),
            sharing.REACHES: reachable(self.ctx),
        }


def reachable(ctx: DispatchContext) -> list[str]:
    """The agents a transport of this dispatcher can deliver to now."""
    return sorted(a.name for a in ctx.bus.configured.values() if ctx.route(a) is not None)


async def follow_peers(ctx: DispatchContext, every: float) -> None:
    """Read the other dispatchers' heartbeats every `every` seconds, and so which agents
    they reach (`bus.sharing`): a peer that starts or stops is known within a second, not
    a heartbeat. A failed read keeps the last view; the heartbeat reports the database.
    Meanwhile a send to an agent a peer is to claim does not wake this dispatcher."""
    announcements = ctx.bus.db.connector.announcements
    before, announcements.left_to_others = announcements.left_to_others, ctx.shares.leaves
    try:
        while True:
            try:
                systems = await ctx.bus.db.systems.list()
            except errors.StorageError:
                pass
            else:
                if ctx.shares.refresh(ctx.name, systems, reachable(ctx)):
                    ctx.wake.set()  # claim from the lanes it has now
            await anyio.sleep(every)
    finally:
        announcements.left_to_others = before


def _detail(state: SystemState, blocked: list[str], in_flight: int) -> str:
    if state == "inactive":
        return "stopped"
    return "; ".join(blocked) or f"delivering ({in_flight} in flight)"
