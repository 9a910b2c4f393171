"""What every command and service of one bot shares: the bus, the config, the ledger, counters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from swarmbus.agents.config import DiscordConfig
from swarmbus.bus.api import Bus
from swarmbus.bus.ledger import CommandLedger
from swarmbus.discord_bot.invocation import Verdict, invocation_of, ledger_row
from swarmbus.discord_bot.stats import BotStats

logger = logging.getLogger(__name__)

OUTCOME_POLL = 1.0  # seconds between checks of a sent message's delivery status
DEFER_AFTER = 2.0  # seconds without a reply before the bot defers (Discord's limit is 3)


@dataclass(frozen=True)
class BotOptions:
    """Tunables beyond the `[discord]` config; the defaults suit a running bot."""

    services: bool = True  # heartbeat and alert loops (off for `discord sync` and tests)
    outcome_poll_seconds: float = OUTCOME_POLL
    defer_after_seconds: float = DEFER_AFTER
    system_id: str | None = None  # the heartbeat row (default: discord@HOST)


class BotContext:
    """The bot's shared state, reached from an interaction through `context_of`."""

    def __init__(self, bus: Bus, config: DiscordConfig, options: BotOptions) -> None:
        self.bus = bus
        self.config = config
        self.options = options
        self.ledger = CommandLedger.of(bus)
        self.stats = BotStats()
        self._followups: set[asyncio.Task[None]] = set()

    async def conclude(
        self, interaction: discord.Interaction[Any], verdict: Verdict, *, unexpected: bool = False
    ) -> None:
        """Write the invocation's one ledger row, then start its follow-up work, if any."""
        invocation = invocation_of(interaction)
        if invocation.deferral is not None:
            invocation.deferral.cancel()
        self.stats.count(verdict.status, unexpected=unexpected)
        await self.ledger.record(ledger_row(interaction, verdict))
        if invocation.after is not None and verdict.status == "success":
            self.spawn(invocation.after, name=f"follow-up {invocation.command_id}")

    def spawn(self, work: Callable[[], Awaitable[None]], name: str) -> asyncio.Task[None]:
        """Run `work()` in the background; a crash is logged and counted, never lost."""
        task = asyncio.get_running_loop().create_task(self._guard(work), name=name)
        self._followups.add(task)
        task.add_done_callback(self._followups.discard)
        return task

    async def _guard(self, work: Callable[[], Awaitable[None]]) -> None:
        try:
            await work()  # created here, so a task cancelled before it starts leaves no coroutine
        except Exception:
            self.stats.unexpected += 1
            logger.exception("background work failed", extra={"action": "followup_failed"})

    async def stop(self) -> None:
        """Cancel follow-ups still running (their rows are already written)."""
        for task in list(self._followups):
            task.cancel()
        await asyncio.gather(*self._followups, return_exceptions=True)


def context_of(interaction: discord.Interaction[Any]) -> BotContext:
    """The context of the bot that received `interaction`."""
    context = getattr(interaction.client, "context", None)
    if not isinstance(context, BotContext):
        raise TypeError("interaction.client is not a swarmbus bot")
    return context
