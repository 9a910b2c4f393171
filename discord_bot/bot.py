"""The Discord client: the command tree, the ledger listener, the heartbeat and alert loops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import discord
from discord import app_commands

from swarmbus.agents.config import DiscordConfig
from swarmbus.bus.api import Bus
from swarmbus.discord_bot.alerts import AlertWatcher
from swarmbus.discord_bot.commands import build_commands
from swarmbus.discord_bot.context import BotContext, BotOptions
from swarmbus.discord_bot.heartbeat import Gateway, Heartbeat
from swarmbus.discord_bot.invocation import SUCCESS
from swarmbus.discord_bot.redaction import hide_paths
from swarmbus.discord_bot.text import CONTENT_LIMIT, clip
from swarmbus.discord_bot.tree import SwarmTree

logger = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """Only guilds: enough to cache guild roles for the allowlist; nothing privileged."""
    return discord.Intents(guilds=True)


class SwarmBot(discord.Client):
    """A bot that steers one swarm through its open `Bus`."""

    def __init__(self, bus: Bus, config: DiscordConfig, options: BotOptions | None = None) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # text only
        super().__init__(intents=intents(), allowed_mentions=discord.AllowedMentions.none())
        self.context = BotContext(bus, config, options or BotOptions())
        self.tree = SwarmTree(self)
        for command in build_commands():
            self.tree.add_command(command)
        self.heartbeat = Heartbeat(self.context, self.gateway)
        self.alerts = AlertWatcher(
            bus, self.post_alert, self.context.stats, config.alert_min_interval_seconds
        )
        self._services: list[asyncio.Task[None]] = []

    async def setup_hook(self) -> None:
        """Start the heartbeat and, with an alert channel, the alert loop (after login)."""
        if not self.context.options.services:
            return
        self._start(self.heartbeat.run(), "discord heartbeat")
        if self.context.config.alert_channel_id is not None:
            self._start(self.alerts.run(self.context.config.alert_poll_seconds), "alerts")

    async def on_ready(self) -> None:
        logger.info("connected to Discord as %s", self.user, extra={"action": "discord_ready"})
        if self.context.options.services:
            await self.heartbeat.beat()

    async def on_app_command_completion(
        self, interaction: discord.Interaction[Any], command: app_commands.Command[Any, ..., Any]
    ) -> None:
        """Record a command that succeeded (failures are recorded by the tree's error handler)."""
        await self.context.conclude(interaction, SUCCESS)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        self.context.stats.unexpected += 1
        logger.exception("error in %s", event_method, extra={"action": "event_error"})

    def gateway(self) -> Gateway:
        """The connection as it is now, for the heartbeat."""
        socket_open = self.ws is not None and self.ws.open  # False while reconnecting
        connected = self.is_ready() and not self.is_closed() and socket_open
        return Gateway(
            connected=connected,
            latency_ms=Gateway.latency(self.latency) if connected else None,
            guilds=len(self.guilds),
            user=str(self.user) if self.user else None,
        )

    async def post_alert(self, text: str) -> None:
        """Post one alert message in the configured channel (server paths hidden)."""
        channel_id = self.context.config.alert_channel_id
        if channel_id is None:
            return
        channel = self.get_partial_messageable(channel_id)
        await channel.send(clip(hide_paths(text), CONTENT_LIMIT))

    async def close(self) -> None:
        """Stop the loops and follow-ups, mark the row inactive, then disconnect."""
        running, self._services = self._services, []
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await self.context.stop()
        if running:
            await self.heartbeat.beat("inactive")  # flushes the ledger first
        else:
            await self.context.ledger.flush()
        if self.context.ledger.pending:
            logger.error(
                "%d ledger rows could not be written before stopping",
                self.context.ledger.pending,
                extra={"action": "ledger_rows_lost_at_stop"},
            )
        await super().close()

    def _start(self, loop: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(loop, name=name)
        task.add_done_callback(self._service_ended)
        self._services.append(task)

    def _service_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.context.stats.unexpected += 1
            logger.error(
                "the %s loop died; /health will show it",
                task.get_name(),
                exc_info=task.exception(),
                extra={"action": "service_died"},
            )
