"""Commands the bus made slow: deferred in time, and recorded as deferred.

The database is really locked by another connection until the bot has
deferred, so the command waits inside the bus, as it would behind a busy
writer; the lock goes away once Discord was told "thinking…".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from swarmbus.bus.api import Bus
from swarmbus.discord_bot.context import BotOptions
from tests.discord.conftest import ALICE, ALLOWLIST, dead_letter, ledger, write_lock
from tests.discord.harness import Harness, Reply

SLOW_BUS = "[database]\nbusy_timeout_ms = 20000\n" + ALLOWLIST  # waits for the lock, never fails
DEFER_AT_ONCE = BotOptions(services=False, outcome_poll_seconds=0.02, defer_after_seconds=0.01)


async def invoke_behind_a_lock(harness: Harness, bus: Bus, name: str, **options: Any) -> Reply:
    """Run /name while another connection holds the write lock until the bot deferred."""
    with write_lock(bus.db.location) as holder:

        async def release_once_deferred() -> None:
            await harness.webhook.deferred.wait()
            holder.execute("ROLLBACK")

        release = asyncio.get_running_loop().create_task(release_once_deferred())
        try:
            return await harness.invoke(name, ALICE, **options)
        finally:
            await asyncio.wait_for(release, 10)


async def test_a_deferred_send_keeps_deferred_and_its_result(
    make_bot: Callable[..., Any],
) -> None:
    async with make_bot(discord=SLOW_BUS, options=DEFER_AT_ONCE) as (_bot, harness, bus):
        reply = await invoke_behind_a_lock(harness, bus, "send", agent="Agent-1", message="hi")
        assert reply.callback_type == 5
        [message] = await bus.db.messages.list()
        assert f"📨 Message `{message.message_id}` for **Agent-1** stored" in reply.text
        [row] = await ledger(bus)
        assert row.execution_status == "success"
        assert row.response_data is not None
        assert row.response_data["deferred"] is True
        assert row.response_data["message_id"] == message.message_id
        assert row.response_data["outcome"] == "pending"


async def test_a_deferred_broadcast_keeps_deferred_and_its_result(
    make_bot: Callable[..., Any],
) -> None:
    async with make_bot(discord=SLOW_BUS, options=DEFER_AT_ONCE) as (_bot, harness, bus):
        reply = await invoke_behind_a_lock(harness, bus, "broadcast", message="stand-up")
        assert reply.callback_type == 5
        stored = await bus.db.messages.list()
        [row] = await ledger(bus)
        assert row.response_data is not None
        assert row.response_data["deferred"] is True
        assert row.response_data["broadcast_id"] == stored[0].broadcast_id
        assert row.response_data["message_ids"] == {m.to_agent: m.message_id for m in stored}


async def test_a_deferred_retry_keeps_deferred_and_its_result(
    make_bot: Callable[..., Any],
) -> None:
    async with make_bot(discord=SLOW_BUS, options=DEFER_AT_ONCE) as (_bot, harness, bus):
        message_id = await dead_letter(bus, "Agent-2")
        reply = await invoke_behind_a_lock(harness, bus, "retry", message_id=message_id)
        assert reply.callback_type == 5
        assert (await bus.get(message_id)).delivery_status == "pending"
        [row] = await ledger(bus)
        assert row.response_data is not None
        assert row.response_data["deferred"] is True
        assert row.response_data["message_id"] == message_id


async def test_a_deferred_search_stays_private_with_public_replies(
    make_bot: Callable[..., Any],
) -> None:
    """Search results are only for the asker: the deferral ("thinking…") is private too."""
    public = SLOW_BUS + "public_replies = true\n"
    async with make_bot(discord=public, options=DEFER_AT_ONCE) as (_bot, harness, bus):
        await bus.send("tester", "Agent-1", "secret plans")  # indexed by the search itself,
        reply = await invoke_behind_a_lock(harness, bus, "search", query="plans")  # which waits
        assert reply.callback_type == 5
        assert all(call.ephemeral for call in reply.calls)
        assert "secret **plans**" in str(reply.embed)
        [row] = await ledger(bus)
        assert (row.response_data or {})["deferred"] is True
