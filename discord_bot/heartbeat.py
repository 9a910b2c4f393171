"""The bot's own `core_systems_status` row (system_name='discord').

health_score = 100
  − 50 if the gateway connection is down
  − 25 if ledger rows are waiting for the database
  − 25 × (share of the last 50 commands that crashed)
clamped to 0..100. A stopped bot writes `inactive`; one that died stops
writing, and readers call its row stale after 3 missed heartbeats.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio

from swarmbus import errors
from swarmbus.agents.config import DiscordConfig
from swarmbus.agents.registry import this_host
from swarmbus.discord_bot.context import BotContext
from swarmbus.model import timefmt
from swarmbus.model.systems import SystemState, SystemStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Gateway:
    """The connection to Discord as the client sees it right now."""

    connected: bool
    latency_ms: float | None = None
    guilds: int = 0
    user: str | None = None

    @staticmethod
    def latency(seconds: float) -> float | None:
        """Gateway latency in ms, None before the first heartbeat ACK (nan or inf)."""
        return None if not math.isfinite(seconds) else round(seconds * 1000.0, 1)


def health_score(gateway: Gateway, ledger_pending: int, crash_share: float) -> float:
    """The formula in the module docstring."""
    score = 100.0 - (0.0 if gateway.connected else 50.0)
    score -= 25.0 if ledger_pending else 0.0
    score -= 25.0 * crash_share
    return round(max(0.0, min(100.0, score)), 1)


class Heartbeat:
    """Writes the bot's row; `beat` also retries ledger rows that are waiting."""

    def __init__(self, context: BotContext, gateway: Callable[[], Gateway]) -> None:
        self.context = context
        self.gateway = gateway
        self.host = this_host()
        self.system_id = context.options.system_id or f"discord@{self.host}"
        self.started_at = timefmt.utcnow()

    def row(self, state: SystemState | None = None) -> SystemStatus:
        """The row as of now; `state` defaults to active when connected, else error."""
        gateway, stats, ledger = self.gateway(), self.context.stats, self.context.ledger
        chosen = state or ("active" if gateway.connected else "error")
        return SystemStatus(
            system_id=self.system_id,
            system_name="discord",
            system_status=chosen,
            health_score=health_score(gateway, ledger.pending, stats.crash_share),
            last_health_check=timefmt.utcnow(),
            error_count=stats.unexpected + ledger.failures + ledger.lost + stats.alert_failures,
            performance_metrics={
                "connected": gateway.connected,
                "latency_ms": gateway.latency_ms,
                "guilds": gateway.guilds,
                **stats.as_metrics(),
                "ledger_written": ledger.written,
                "ledger_pending": ledger.pending,
                "ledger_failures": ledger.failures,
                "ledger_lost": ledger.lost,
                "pid": os.getpid(),
                "uptime_seconds": round((timefmt.utcnow() - self.started_at).total_seconds(), 1),
            },
            integration_dependencies=["database", "discord gateway"],
            system_configuration=configuration(self.context.config),
            host=self.host,
            heartbeat_interval_seconds=self.context.config.heartbeat_seconds,
            status_detail=_detail(gateway, chosen),
            started_at=self.started_at,
        )

    async def beat(self, state: SystemState | None = None) -> bool:
        """Flush waiting ledger rows, then write the row; False if the database refused it."""
        await self.context.ledger.flush()
        try:
            await self.context.bus.heartbeat(self.row(state))
        except errors.StorageError as exc:
            self.context.stats.heartbeat_failures += 1
            logger.warning("heartbeat not written: %s", exc, extra={"action": "heartbeat_failed"})
            return False
        return True

    async def run(self) -> None:
        """Beat every `heartbeat_seconds` until cancelled (the first beat comes on ready)."""
        while True:
            await anyio.sleep(self.context.config.heartbeat_seconds)
            await self.beat()


def configuration(config: DiscordConfig) -> dict[str, Any]:
    """The bot's settings as its row shows them: counts of ids, never the ids or the token."""
    return {
        "heartbeat_seconds": config.heartbeat_seconds,
        "alert_poll_seconds": config.alert_poll_seconds,
        "alert_min_interval_seconds": config.alert_min_interval_seconds,
        "outcome_timeout_seconds": config.outcome_timeout_seconds,
        "alert_channel": config.alert_channel_id is not None,
        "public_replies": config.public_replies,
        "allowed_users": len(config.users),
        "allowed_roles": len(config.roles),
        "readers": len(config.readers.users) + len(config.readers.roles),
        "per_command_lists": sorted(config.commands),
    }


def _detail(gateway: Gateway, state: SystemState) -> str:
    if state == "inactive":
        return "stopped"
    if not gateway.connected:
        return "not connected to Discord (connecting or reconnecting)"
    latency = f"{gateway.latency_ms:.0f} ms" if gateway.latency_ms is not None else "unknown"
    return f"connected as {gateway.user}, latency {latency}, guilds: {gateway.guilds}"
