"""Fixtures: a swarm with a `[discord]` section, its bus, and a bot driven by the harness."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.discord_bot.bot import SwarmBot
from swarmbus.discord_bot.context import BotOptions
from swarmbus.model.commands import DiscordCommand
from tests.discord.harness import Harness, Member

ALICE = Member(1_000_000_000_000_000_001, "alice")  # on the general allowlist
BOB = Member(1_000_000_000_000_000_002, "bob")  # on no list
OPS_ROLE = 1_000_000_000_000_000_100
CAROL = Member(1_000_000_000_000_000_003, "carol", roles=(OPS_ROLE,))  # allowed by role
DAVE = Member(1_000_000_000_000_000_004, "dave")  # a reader: read-only commands only
ALERT_CHANNEL = 1_000_000_000_000_000_200


def allowlist(outcome_timeout: float = 0.05) -> str:
    """The standard `[discord]` section; /send waits `outcome_timeout` s for the delivery."""
    return f"""
[discord]
users = [{ALICE.user_id}]
roles = [{OPS_ROLE}]
readers = {{ users = [{DAVE.user_id}] }}
outcome_timeout_seconds = {outcome_timeout}
"""


ALLOWLIST = allowlist()
WAIT_FOR_DELIVERY = allowlist(outcome_timeout=20)  # generous: the dispatcher ends the wait

Bot = tuple[SwarmBot, Harness, Bus]


@asynccontextmanager
async def running_bot(swarm: Swarm, options: BotOptions | None = None) -> AsyncIterator[Bot]:
    """A bot on `swarm`'s database, entered without a login, with the harness installed."""
    bus = await Bus.open(swarm)
    bot = SwarmBot(bus, swarm.config.discord, options or BotOptions(services=False))
    harness = Harness(bot)
    try:
        async with bot:
            with harness.install():
                await bot.setup_hook()
                yield bot, harness, bus
    finally:
        await bus.close()


@pytest.fixture
def make_bot(make_swarm: Callable[..., Swarm]) -> Callable[..., Any]:
    """`async with make_bot(discord=TOML, **swarm_kwargs) as (bot, harness, bus)`."""

    def make(discord: str = ALLOWLIST, options: BotOptions | None = None, **kwargs: Any) -> Any:
        swarm = make_swarm(extra=discord, **kwargs)
        fast = options or BotOptions(services=False, outcome_poll_seconds=0.02)
        return running_bot(swarm, fast)

    return make


@pytest.fixture
async def driven(make_bot: Callable[..., Any]) -> AsyncIterator[Bot]:
    """The default bot: three memory agents, the standard allowlist."""
    async with make_bot() as running:
        yield running


async def ledger(bus: Bus) -> list[DiscordCommand]:
    """Every ledger row, oldest first (rows of the same millisecond in any order)."""
    return list(reversed(await bus.db.commands.list(limit=1000)))


async def drain(bus: Bus, transport: MemoryTransport | None = None) -> MemoryTransport:
    """Deliver everything deliverable through a memory transport, then return it."""
    used = transport or MemoryTransport()
    with anyio.fail_after(30):
        await Dispatcher(bus, {"memory": used}).run(once=True)
    return used


async def dead_letter(bus: Bus, agent: str = "Agent-1", text: str = "doomed") -> str:
    """Store a message and let every attempt fail, so it ends as a dead letter."""
    message_id = await bus.send("tester", agent, text)
    await drain(bus, MemoryTransport(fail=lambda m, attempt: "window closed"))
    assert (await bus.get(message_id)).delivery_status == "failed"
    return message_id


@contextmanager
def write_lock(database: str) -> Iterator[sqlite3.Connection]:
    """Hold the write lock from another connection, as a long writer in another process would."""
    holder = sqlite3.connect(database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield holder
        if holder.in_transaction:
            holder.execute("ROLLBACK")
    finally:
        holder.close()


@asynccontextmanager
async def dispatching(bus: Bus, transport: MemoryTransport) -> AsyncIterator[MemoryTransport]:
    """A dispatcher delivering in the background while the block runs."""
    dispatcher = Dispatcher(bus, {"memory": transport})
    async with anyio.create_task_group() as group:
        group.start_soon(dispatcher.run)
        yield transport
        dispatcher.stop()
