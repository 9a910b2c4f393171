"""Running the bot and syncing its commands: what `swarmbus discord run|sync` call.

Discord's own errors become one-line `BusError`s here, so the CLI prints
them like any other error; none of them carries the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

import aiohttp
import discord

from swarmbus import errors
from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.discord_bot.bot import SwarmBot
from swarmbus.discord_bot.context import BotOptions

logger = logging.getLogger(__name__)

LOGGERS = ("swarmbus", "discord")  # whose handlers get the token filter
REDACTED = "[token redacted]"


async def run_bot(swarm: Swarm, token: str) -> None:
    """Connect and serve until SIGINT/SIGTERM; the heartbeat row ends `inactive`."""
    async with await Bus.open(swarm) as bus, discord_errors():
        bot = SwarmBot(bus, swarm.config.discord)
        async with bot, _close_on_signal(bot):
            await bot.start(token)


async def sync_commands(swarm: Swarm, token: str, guild_id: int | None) -> list[str]:
    """Register the slash commands globally, or in one guild (instantly); return their names."""
    async with await Bus.open(swarm) as bus, discord_errors():
        bot = SwarmBot(bus, swarm.config.discord, BotOptions(services=False))
        async with bot:
            await bot.login(token)
            guild = discord.Object(id=guild_id) if guild_id is not None else None
            if guild is not None:
                bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
    return [command.name for command in synced]


def protect_logs(token: str, verbose: bool) -> None:
    """Send discord.py's log lines where ours go, with the token filtered out of all of them."""
    swarmbus_logger = logging.getLogger("swarmbus")
    discord_logger = logging.getLogger("discord")
    discord_logger.handlers[:] = list(swarmbus_logger.handlers)
    discord_logger.setLevel(logging.INFO if verbose else logging.WARNING)
    discord_logger.propagate = False
    for name in LOGGERS:
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(RedactToken(token))


@contextlib.asynccontextmanager
async def discord_errors() -> AsyncIterator[None]:
    """Turn Discord's refusals and network failures into one-line errors."""
    try:
        yield
    except discord.LoginFailure:
        raise errors.ConfigError(
            "Discord refused the token (401); reset it in the Developer Portal (Bot, Reset Token) "
            "and set SWARMBUS_DISCORD_TOKEN again"
        ) from None
    except discord.Forbidden as exc:
        raise errors.BusError(
            f"Discord refused: {exc.text or exc.status}; invite the bot with the "
            f"applications.commands scope (see README, Discord)"
        ) from None
    except discord.HTTPException as exc:
        raise errors.BusError(f"Discord answered {exc.status}: {exc.text}") from None
    except (aiohttp.ClientError, discord.GatewayNotFound, OSError) as exc:
        raise errors.BusError(f"cannot reach Discord: {exc}") from None


@contextlib.asynccontextmanager
async def _close_on_signal(bot: SwarmBot) -> AsyncIterator[None]:
    """SIGINT/SIGTERM close the bot, which makes `start` return (exit 0, not a traceback)."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    closing: list[asyncio.Task[None]] = []  # held so the task is not garbage-collected
    for signum in signals:
        loop.add_signal_handler(signum, lambda: closing.append(loop.create_task(bot.close())))
    try:
        yield
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


class RedactToken(logging.Filter):
    """Blank the token out of any log record that reaches a handler (defence in depth)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._token in message:
            record.msg, record.args = message.replace(self._token, REDACTED), None
        if record.exc_info and not record.exc_text:  # format now, so it can be checked
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self._token in record.exc_text:
            record.exc_text = record.exc_text.replace(self._token, REDACTED)
        return True
