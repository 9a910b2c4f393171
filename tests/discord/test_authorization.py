"""Default-deny authorization: refused invocations get one ephemeral line, a row, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from swarmbus.agents.config import DISCORD_COMMANDS
from tests.discord.conftest import ALICE, BOB, CAROL, DAVE, OPS_ROLE, Bot, dead_letter, ledger
from tests.discord.harness import Harness, Member, Reply

OPTIONS: dict[str, dict[str, Any]] = {
    "send": {"agent": "Agent-1", "message": "type this"},
    "broadcast": {"message": "everyone type this"},
    "retry": {"message_id": "01M89EGPMVXXWXS3CGNSTRAYX7"},
    "reply": {"message_id": "{id}", "message": "answer this"},
    "messages": {"limit": 3},
    "thread": {"message_id": "{id}"},
    "search": {"query": "anything"},
}


async def invoke_every_command(
    harness: Harness, member: Member, message_id: str = "01M89EGPMVXXWXS3CGNSTRAYX8"
) -> dict[str, Reply]:
    """Every command once; `message_id` is the message /reply and /thread name."""
    replies = {}
    for name in DISCORD_COMMANDS:
        options = {k: message_id if v == "{id}" else v for k, v in OPTIONS.get(name, {}).items()}
        replies[name] = await harness.invoke(name, member, **options)
    return replies


def is_refusal(reply: Reply, command: str) -> bool:
    """Whether the answer was the refusal (every answer is ephemeral by default)."""
    return reply.first.content == f"You are not allowed to use /{command}."


def assert_refused(reply: Reply, command: str) -> None:
    assert len(reply.calls) == 1  # the refusal, and no edit or follow-up after it
    assert reply.first.ephemeral
    assert reply.first.content == f"You are not allowed to use /{command}."
    assert reply.first.embeds == []


async def test_no_allowlist_refuses_every_command(make_bot: Callable[..., Any]) -> None:
    async with make_bot(discord="") as (_bot, harness, bus):
        harness.cache_guild((OPS_ROLE,))
        replies = await invoke_every_command(harness, replace(ALICE, roles=(OPS_ROLE,)))
        for name, reply in replies.items():
            assert_refused(reply, name)
        rows = await ledger(bus)
        assert sorted(r.command_name for r in rows) == sorted(DISCORD_COMMANDS)
        assert {(r.execution_status, r.command_validation_status) for r in rows} == {
            ("refused", "unauthorized")
        }
        assert await bus.db.messages.list() == []


async def test_an_unlisted_user_is_refused_and_nothing_is_stored(driven: Bot) -> None:
    bot, harness, bus = driven
    replies = await invoke_every_command(harness, BOB)
    for name, reply in replies.items():
        assert_refused(reply, name)
    assert await bus.db.messages.list() == []
    rows = await ledger(bus)
    assert len(rows) == len(DISCORD_COMMANDS)
    send = next(r for r in rows if r.command_name == "send")
    assert send.user_id == str(BOB.user_id)
    assert send.user_name == "bob"
    assert send.command_type == "task_assignment"
    assert send.command_data == {"command": "send", "options": OPTIONS["send"]}
    assert send.error_message == f"user {BOB.user_id} is not on the allowlist for /send"
    assert send.discord_bot_response == "You are not allowed to use /send."
    assert bot.context.stats.refused == len(DISCORD_COMMANDS)


async def test_a_reader_may_read_but_not_steer(driven: Bot) -> None:
    _bot, harness, bus = driven
    message_id = await bus.send("tester", "Agent-1", "something to read")
    replies = await invoke_every_command(harness, DAVE, message_id)
    refused = {name for name, reply in replies.items() if is_refusal(reply, name)}
    assert refused == {"send", "broadcast", "retry", "reply"}
    rows = {r.command_name: r.execution_status for r in await ledger(bus)}
    assert rows == {name: "refused" if name in refused else "success" for name in DISCORD_COMMANDS}


async def test_a_role_on_the_allowlist_admits_a_member_of_a_cached_guild(driven: Bot) -> None:
    _bot, harness, bus = driven
    harness.cache_guild((OPS_ROLE,))
    reply = await harness.invoke("send", CAROL, agent="Agent-1", message="from carol")
    assert not is_refusal(reply, "send")
    [message] = await bus.db.messages.list()
    assert message.from_agent == "discord:carol"
    assert (await ledger(bus))[0].execution_status == "success"


async def test_roles_cannot_be_checked_without_the_guild_so_they_admit_nobody(
    driven: Bot,
) -> None:
    _bot, harness, bus = driven  # guild not cached: the member's roles do not resolve
    assert_refused(await harness.invoke("status", CAROL), "status")
    assert (await ledger(bus))[0].command_validation_status == "unauthorized"


@pytest.mark.parametrize(("member", "allowed"), [(ALICE, True), (CAROL, False)])
async def test_in_a_dm_only_user_ids_count(driven: Bot, member: Member, allowed: bool) -> None:
    _bot, harness, bus = driven
    reply = await harness.invoke("status", replace(member, in_guild=False))
    assert is_refusal(reply, "status") is not allowed
    [row] = await ledger(bus)
    assert row.execution_status == ("success" if allowed else "refused")
    assert row.guild_id is None


async def test_a_per_command_list_replaces_the_general_ones(make_bot: Callable[..., Any]) -> None:
    config = (
        f"[discord]\nusers = [{ALICE.user_id}]\noutcome_timeout_seconds = 0.05\n"
        f"[discord.commands.send]\nusers = [{DAVE.user_id}]\n"
    )
    async with make_bot(discord=config) as (_bot, harness, bus):
        assert_refused(await harness.invoke("send", ALICE, **OPTIONS["send"]), "send")
        assert not is_refusal(await harness.invoke("status", ALICE), "status")
        assert not is_refusal(await harness.invoke("send", DAVE, **OPTIONS["send"]), "send")
        assert_refused(await harness.invoke("status", DAVE), "status")
        [message] = await bus.db.messages.list()
        assert message.from_agent == "discord:dave"


async def test_a_refused_user_gets_no_autocomplete_suggestions(driven: Bot) -> None:
    _bot, harness, bus = driven
    assert await harness.autocomplete("send", BOB, "agent", agent="Agent") == []
    assert await ledger(bus) == []  # typing is not an invocation


async def test_autocomplete_suggests_matching_agents(driven: Bot) -> None:
    _bot, harness, _bus = driven
    choices = await harness.autocomplete("send", ALICE, "agent", agent="t-2")
    assert choices == [{"name": "Agent-2 (memory, unknown)", "value": "Agent-2"}]
    every = await harness.autocomplete("messages", DAVE, "agent", agent="")
    assert [c["value"] for c in every] == ["Agent-1", "Agent-2", "Agent-3"]


async def test_retry_autocomplete_offers_the_dead_letters(driven: Bot) -> None:
    _bot, harness, bus = driven
    failed = await dead_letter(bus, "Agent-3")
    await bus.send("tester", "Agent-1", "not a dead letter")
    choices = await harness.autocomplete("retry", ALICE, "message_id", message_id=failed[:4])
    assert choices == [{"name": f"{failed} → Agent-3: window closed", "value": failed}]
    assert await harness.autocomplete("retry", ALICE, "message_id", message_id="ZZZ") == []
