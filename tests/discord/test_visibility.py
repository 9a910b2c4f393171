"""Who sees a reply: only the invoker by default; the channel with `public_replies = true`.

Read replies carry swarm traffic (message bodies, inboxes, systems), and
people in the channel need not be on the allowlist. Refusals and errors are
shown only to the invoker in every configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from swarmbus import errors
from swarmbus.agents import config as swarm_config
from swarmbus.agents.config import DISCORD_COMMANDS
from swarmbus.bus.api import Bus
from swarmbus.discord_bot.context import BotOptions
from swarmbus.discord_bot.replies import SHOWN_PRIVATELY
from tests.discord.conftest import ALICE, ALLOWLIST, BOB, dead_letter, ledger
from tests.discord.harness import Harness, Reply

PUBLIC = ALLOWLIST + "public_replies = true\n"
ALWAYS_PRIVATE = {"thread", "search"}  # thread bodies and search results: only the asker
DEFER_AT_ONCE = BotOptions(services=False, outcome_poll_seconds=0.02, defer_after_seconds=0.01)


async def invoke_each(harness: Harness, bus: Bus) -> dict[str, Reply]:
    """Every command once, as an allowed user, with options that succeed."""
    private = await bus.send("script:tester", "Agent-1", "the body of a private message")
    failed = await dead_letter(bus, "Agent-2")
    options: dict[str, dict[str, Any]] = {
        "send": {"agent": "Agent-1", "message": "type this"},
        "broadcast": {"message": "everyone type this"},
        "retry": {"message_id": failed},
        "reply": {"message_id": private, "message": "an answer"},
        "thread": {"message_id": private},
        "search": {"query": "private message"},
    }
    return {
        name: await harness.invoke(name, ALICE, **options.get(name, {}))
        for name in DISCORD_COMMANDS
    }


async def test_every_reply_is_private_by_default(make_bot: Callable[..., Any]) -> None:
    async with make_bot() as (_bot, harness, bus):
        replies = await invoke_each(harness, bus)
        assert "the body of a private message" in str(replies["messages"].embed)
        for name, reply in replies.items():
            assert reply.callback_type == 4, name
            assert all(call.ephemeral for call in reply.calls if call.method == "POST"), name
        rows = await ledger(bus)
        assert {r.command_name for r in rows} == set(DISCORD_COMMANDS)
        for row in rows:
            assert row.execution_status == "success", row.command_name
            assert (row.response_data or {})["ephemeral"] is True, row.command_name


async def test_public_replies_opt_in_shows_them_to_the_channel(
    make_bot: Callable[..., Any],
) -> None:
    async with make_bot(discord=PUBLIC) as (_bot, harness, bus):
        replies = await invoke_each(harness, bus)
        for name, reply in replies.items():
            assert reply.first.ephemeral is (name in ALWAYS_PRIVATE), name
        for row in await ledger(bus):
            private = row.command_name in ALWAYS_PRIVATE
            assert (row.response_data or {})["ephemeral"] is private, row.command_name


@pytest.mark.parametrize("discord", [ALLOWLIST, PUBLIC], ids=["default", "public"])
async def test_refusals_and_errors_are_private_always(
    make_bot: Callable[..., Any], discord: str
) -> None:
    async with make_bot(discord=discord) as (_bot, harness, bus):
        refused = await harness.invoke("status", BOB)
        failed = await harness.invoke("send", ALICE, agent="Nobody", message="hi")
        assert refused.first.ephemeral
        assert failed.first.ephemeral
        assert failed.first.content is not None
        assert failed.first.content.startswith("unknown agent 'Nobody'")
        for row in await ledger(bus):
            assert (row.response_data or {})["ephemeral"] is True


async def test_a_deferral_is_as_private_as_the_answer(
    make_bot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_bot(options=DEFER_AT_ONCE) as (_bot, harness, bus):
        slow = _SlowRuns(harness, bus, fail=False)
        monkeypatch.setattr(bus.db.audits, "runs", slow)
        reply = await harness.invoke("compliance", ALICE)
        assert slow.called
        assert reply.callback_type == 5
        assert reply.first.ephemeral  # "thinking…" is shown only to the invoker too
        assert reply.embed["description"] == "No compliance audit has run yet."
        [row] = await ledger(bus)
        assert row.response_data == {"deferred": True, "ephemeral": True}


async def test_an_error_after_a_public_deferral_stays_private(
    make_bot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_bot(discord=PUBLIC, options=DEFER_AT_ONCE) as (_bot, harness, bus):
        slow = _SlowRuns(harness, bus, fail=True)
        monkeypatch.setattr(bus.db.audits, "runs", slow)
        reply = await harness.invoke("compliance", ALICE)
        assert slow.called
        assert reply.callback_type == 5
        assert not reply.first.ephemeral
        [edit] = reply.edits  # the public "thinking…" no longer waits for an answer
        assert edit.content == SHOWN_PRIVATELY
        [answer] = [c for c in reply.calls if c.method == "POST" and c is not reply.first]
        assert answer.ephemeral
        assert answer.content == "the audit table is being rebuilt"
        [row] = await ledger(bus)
        assert row.execution_status == "failed"
        assert row.response_data == {"deferred": True, "ephemeral": True}
        assert row.discord_bot_response == "the audit table is being rebuilt"


class _SlowRuns:
    """Stands in for `audits.runs`: slow until the bot deferred, then answers or fails."""

    def __init__(self, harness: Harness, bus: Bus, fail: bool) -> None:
        self.harness, self.real, self.fail = harness, bus.db.audits.runs, fail
        self.called = False

    async def __call__(self, limit: int = 10) -> list[dict[str, Any]]:
        self.called = True
        await self.harness.webhook.deferred.wait()
        if self.fail:
            raise errors.StorageError("the audit table is being rebuilt")
        return await self.real(limit)


def test_public_replies_must_be_true_or_false() -> None:
    text = '[discord]\npublic_replies = "yes"\n[[agents]]\nname = "Agent-1"\n'
    with pytest.raises(errors.ConfigError) as caught:
        swarm_config.parse(text, Path("swarmbus.toml"), env={})
    line = str(caught.value)
    assert line.startswith("swarmbus.toml: discord.public_replies = 'yes': ")
    assert "true or false" in line
    assert "\n" not in line
