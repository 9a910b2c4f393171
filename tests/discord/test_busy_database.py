"""A database another process keeps locked: one line with the real wait, on both faces.

The message comes from the storage layer, so the bot and the CLI say the same
thing; it must name the `[database] busy_timeout_ms` this swarm configured,
not the default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
from typer.testing import CliRunner

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.cli import app
from swarmbus.discord_bot.context import BotOptions
from swarmbus.storage.retrying import RETRIES
from tests.discord.conftest import ALICE, ALLOWLIST, ledger, write_lock

BUSY_TIMEOUT_MS = 120  # not the default 5000
SHORT_BUSY = f"[database]\nbusy_timeout_ms = {BUSY_TIMEOUT_MS}\n"
REAL_WAIT = f"tried {RETRIES + 1} times, waiting {BUSY_TIMEOUT_MS} ms each time"
NEVER_DEFER = BotOptions(services=False, defer_after_seconds=60)  # the error is the reply


async def test_the_bot_reports_the_configured_wait(make_bot: Callable[..., Any]) -> None:
    async with make_bot(discord=SHORT_BUSY + ALLOWLIST, options=NEVER_DEFER) as running:
        bot, harness, bus = running
        with write_lock(bus.db.location):
            reply = await harness.invoke("send", ALICE, agent="Agent-1", message="hi")
        assert reply.first.ephemeral
        assert "stayed locked by another process" in reply.text
        assert REAL_WAIT in reply.text
        assert "waited 5 s" not in reply.text
        await bot.context.ledger.flush()  # the row waited for the lock too
        [row] = await ledger(bus)
        assert row.execution_status == "failed"
        assert row.error_message is not None
        assert REAL_WAIT in row.error_message


def test_the_cli_reports_the_configured_wait(make_swarm: Callable[..., Swarm]) -> None:
    swarm = make_swarm(extra=SHORT_BUSY)
    anyio.run(_create, swarm)
    with write_lock(swarm.database):
        result = CliRunner().invoke(
            app, ["send", "Agent-1", "hi"], env={"SWARMBUS_CONFIG": str(swarm.path)}
        )
    assert result.exit_code != 0
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "stayed locked by another process" in line
    assert REAL_WAIT in line
    assert "waited 5 s" not in line


async def _create(swarm: Swarm) -> None:
    """Create and migrate the database before another connection locks it."""
    bus = await Bus.open(swarm)
    await bus.close()
