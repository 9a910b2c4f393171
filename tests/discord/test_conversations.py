"""/reply, /thread, /search through the offline harness, and the overdue-ack alert."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.discord.conftest import ALERT_CHANNEL, ALICE, Bot, drain, ledger


async def test_a_reply_from_discord_joins_the_thread_and_reaches_the_other_end(
    driven: Bot,
) -> None:
    _bot, harness, bus = driven
    first = await bus.send("Agent-1", "Agent-2", "who takes the flaky test?")
    reply = await harness.invoke("reply", ALICE, message_id=first.lower(), message="Agent-1 does")
    [row] = await ledger(bus)
    answer_id = (row.response_data or {})["message_ids"]["Agent-1"]
    assert reply.text == (
        f"↩️ Reply to `{first}` in thread `{first}` stored for **Agent-1** (`{answer_id}`)."
    )
    answer = await bus.get(answer_id)
    assert (answer.from_agent, answer.reply_to, answer.thread_id) == ("discord:alice", first, first)
    assert (row.command_type, row.agent_id, row.execution_status) == (
        "coordination", "Agent-1", "success",
    )  # fmt: skip
    # an agent's answer to the Discord user waits in the database, delivered, for /thread
    back = await bus.reply(answer_id, "Agent-1", "fine, on it")
    assert (await bus.get(back.message_ids["discord:alice"])).delivery_status == "delivered"


async def test_bad_replies_are_one_private_line(driven: Bot) -> None:
    _bot, harness, bus = driven
    first = await bus.send("Agent-1", "Agent-2", "between two agents")
    unknown = await harness.invoke("reply", ALICE, message_id="01M8ZZZZZZZZZZZZZZZZZZZZZZ",
                                   message="hi")  # fmt: skip
    outsider = await harness.invoke("reply", ALICE, message_id=first, message="hi", to="Agent-3")
    assert unknown.first.ephemeral
    assert "(never sent, or pruned)" in unknown.text
    assert "'Agent-3' is not in thread" in outsider.text
    assert [r.execution_status for r in await ledger(bus)] == ["failed", "failed"]
    assert len(await bus.messages()) == 1


async def test_thread_shows_delivery_reading_and_ack_states(driven: Bot) -> None:
    _bot, harness, bus = driven
    first = await bus.send("discord:alice", "Agent-2", "ship it", ack_within=3600)
    await drain(bus)
    await bus.read("Agent-2", "Agent-2")
    answer = (await bus.reply(first, "Agent-2", "shipping")).message_ids["discord:alice"]
    await bus.db.connector.execute(
        "UPDATE agent_messages SET ack_due_at = '2020-01-01T00:00:00.000Z' WHERE ack_required"
        " = TRUE"
    )
    shown = await harness.invoke("thread", ALICE, message_id=answer)
    text = str(shown.embed)
    assert shown.first.ephemeral
    assert "delivered · read · ⏰ ack overdue" in text
    assert "delivered · unread" in text  # the answer, waiting for alice
    await bus.ack(first, "Agent-2", "shipped")
    assert "delivered · acked" in str(
        (await harness.invoke("thread", ALICE, message_id=first)).embed
    )


async def test_search_shows_hits_in_bold_says_when_nothing_matches_and_refuses_blanks(
    driven: Bot,
) -> None:
    _bot, harness, bus = driven
    await bus.send("Agent-1", "Agent-2", "see storage/claims.py, NEAR(the) *lease* code")
    found = await harness.invoke("search", ALICE, query="claims.py")
    assert "storage/**claims.py**" in str(found.embed)
    literal = await harness.invoke("search", ALICE, query="NEAR(the) *lease*")
    assert r"**NEAR(the) \*lease\***" in literal.embed["description"]
    none = await harness.invoke("search", ALICE, query="nothing like this", agent="Agent-3")
    assert "No messages match." in str(none.embed)
    blank = await harness.invoke("search", ALICE, query="   ")
    assert blank.text == "search query is empty; give a word or phrase to look for"
    rows = await ledger(bus)  # (commands of the same millisecond come in any order)
    assert sorted(r.execution_status for r in rows) == ["failed"] + ["success"] * 3
    assert "Agent-3" in {r.agent_id for r in rows if r.execution_status == "success"}
    assert {r.command_type for r in rows} == {"status_check"}


def alerts() -> str:
    return f"[discord]\nusers = [{ALICE.user_id}]\nalert_channel_id = {ALERT_CHANNEL}\n"


async def test_an_overdue_ack_is_posted_once_and_never_after_the_ack(
    make_bot: Callable[..., Any],
) -> None:
    async with make_bot(discord=alerts()) as (bot, harness, bus):
        late = await bus.send("person", "Agent-1", "confirm the rollback", ack_within=60)
        acked = await bus.send("person", "Agent-2", "confirm too", ack_within=60)
        await bus.ack(acked, "Agent-2")
        assert await bot.alerts.poll() == 0  # not due yet
        await bus.db.connector.execute(
            "UPDATE agent_messages SET ack_due_at = '2020-01-01T00:00:00.000Z' "
            "WHERE ack_required = TRUE"
        )
        assert await bot.alerts.poll() == 1
        text = (harness.rest.calls[0].payload or {})["content"]
        assert text.startswith(f"⏰ Ack overdue: `{late}` for Agent-1 from person, due ")
        assert text.endswith(" ago: confirm the rollback")
        assert await bot.alerts.poll() == 0  # once
        await bus.ack(late, "Agent-1")
        await bus.db.connector.execute("UPDATE agent_messages SET overdue_alerted_at = NULL")
        assert await bot.alerts.poll() == 0  # acked: never again
