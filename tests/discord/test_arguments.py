"""Bad arguments: one ephemeral line naming the value and what is allowed, a row, nothing stored.

Discord's client would stop most of these values, but discord.py passes them
through, so the harness sends them as a crafted request could.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from swarmbus.discord_bot.arguments import MESSAGE_MAX_CHARS
from tests.discord.conftest import ALICE, Bot, drain, ledger

BAD_ARGUMENTS = [
    pytest.param(
        "send",
        {"agent": "Agent-9", "message": "hi"},
        "unknown agent 'Agent-9'; configured agents: Agent-1, Agent-2, Agent-3",
        id="unknown agent",
    ),
    pytest.param(
        "send",
        {"agent": "Agent-1", "message": "x" * (MESSAGE_MAX_CHARS + 1)},
        "message is 4,001 characters; the limit is 1-4,000 characters",
        id="oversize message",
    ),
    pytest.param(
        "send",
        {"agent": "A" * 33, "message": "hi"},
        "agent is 33 characters; the limit is 1-32 characters",
        id="oversize agent name",
    ),
    pytest.param(
        "send",
        {"agent": "Agent-1", "message": "hi", "priority": "asap"},
        "priority 'asap' is not allowed; use urgent, high, normal, low",
        id="priority not among the choices",
    ),
    pytest.param(
        "send",
        {"agent": "Agent-1", "message": " \n "},
        "message is empty; send at least one visible character",
        id="blank message",
    ),
    pytest.param(
        "broadcast",
        {"message": "y" * 5000},
        "message is 5,000 characters; the limit is 1-4,000 characters",
        id="oversize broadcast",
    ),
    pytest.param(
        "retry",
        {"message_id": "01M89EGPMVXXWXS3CGNSTRAYX7"},
        "no message has id '01M89EGPMVXXWXS3CGNSTRAYX7'; /messages lists ids",
        id="unknown message id",
    ),
    pytest.param(
        "retry",
        {"message_id": "not-an-id"},
        "no message has id 'not-an-id'; /messages lists ids",
        id="malformed message id",
    ),
    pytest.param(
        "messages",
        {"limit": 99},
        "limit 99 is not allowed; use 1-25",
        id="limit out of range",
    ),
    pytest.param(
        "messages",
        {"status": "lost"},
        "status 'lost' is not allowed; use pending, claimed, retrying, delivered, failed, expired",
        id="status not among the choices",
    ),
    pytest.param(
        "messages",
        {"agent": "Nobody"},
        "unknown agent 'Nobody'; configured agents: Agent-1, Agent-2, Agent-3",
        id="unknown agent filter",
    ),
]


@pytest.mark.parametrize(("command", "options", "line"), BAD_ARGUMENTS)
async def test_bad_arguments_get_one_ephemeral_line(
    driven: Bot, command: str, options: dict[str, Any], line: str
) -> None:
    bot, harness, bus = driven
    reply = await harness.invoke(command, ALICE, **options)
    assert len(reply.calls) == 1
    assert reply.first.ephemeral
    assert reply.first.content == line
    assert await bus.db.messages.list() == []
    [row] = await ledger(bus)
    assert row.command_name == command
    assert (row.execution_status, row.command_validation_status) == ("failed", "invalid")
    assert row.error_message == line
    assert row.discord_bot_response == line
    assert row.response_data == {"deferred": False, "ephemeral": True}
    assert bot.context.stats.failed == 1
    assert bot.context.stats.unexpected == 0


async def test_the_bus_size_limit_applies_too(make_bot: Callable[..., Any]) -> None:
    async with make_bot(bus={"max_message_bytes": 10}) as (_bot, harness, bus):
        reply = await harness.invoke("send", ALICE, agent="Agent-1", message="ééééééé")
        assert reply.first.content == (
            "message is 14 bytes; the limit is 10 bytes (bus.max_message_bytes in the config)"
        )
        assert await bus.db.messages.list() == []


async def test_only_dead_letters_can_be_retried(driven: Bot) -> None:
    _bot, harness, bus = driven
    message_id = await bus.send("tester", "Agent-1", "fine")
    await drain(bus)
    reply = await harness.invoke("retry", ALICE, message_id=message_id)
    assert reply.first.ephemeral
    assert reply.first.content == (
        f"message {message_id} is delivered; only failed messages (dead letters) can be retried"
    )
    assert (await ledger(bus))[0].command_validation_status == "invalid"


async def test_a_crash_is_one_line_for_the_user_and_a_failed_row(
    driven: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot, harness, bus = driven

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bus.db.audits, "runs", broken)
    reply = await harness.invoke("compliance", ALICE)
    assert reply.first.ephemeral
    assert reply.first.content == (
        "Something went wrong inside the bot; it was logged. Try again in a moment."
    )
    [row] = await ledger(bus)
    assert (row.execution_status, row.command_validation_status) == ("failed", "valid")
    assert row.error_message == "RuntimeError: disk on fire"
    assert bot.context.stats.unexpected == 1
    assert any("disk on fire" in r.getMessage() for r in caplog.records)


async def test_a_command_discord_still_knows_but_the_bot_does_not(driven: Bot) -> None:
    _bot, harness, bus = driven
    reply = await harness.invoke("deploy", ALICE, target="prod")
    assert reply.first.ephemeral
    assert reply.first.content == (
        "This command is out of date; run 'swarmbus discord sync' and try again."
    )
    [row] = await ledger(bus)
    assert (row.command_name, row.execution_status) == ("deploy", "failed")
    assert row.command_data == {"command": "deploy", "options": {"target": "prod"}}
