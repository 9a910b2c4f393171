"""No server file path reaches a Discord user; the ledger keeps the full error for the operator.

Paths are planted where they really come from (the database location in a
bus error, an inbox folder in a delivery error, an agent's report, a
system's heartbeat, a message body) and every face of the bot is checked:
replies, embeds, the /send outcome edit, alerts and autocomplete.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from swarmbus import errors
from swarmbus.agents.reports import submit
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.discord_bot.context import BotOptions
from swarmbus.discord_bot.redaction import SERVER_PATH, hide_paths, hide_paths_in_embed
from swarmbus.model.systems import SystemStatus
from swarmbus.model.workspaces import Report
from tests.discord.conftest import (
    ALERT_CHANNEL,
    ALICE,
    WAIT_FOR_DELIVERY,
    dead_letter,
    dispatching,
    ledger,
    write_lock,
)
from tests.discord.harness import Reply

SHORT_BUSY = "[database]\nbusy_timeout_ms = 50\n"
NEVER_DEFER = BotOptions(services=False, defer_after_seconds=60)  # the error is the reply

INBOX = "/home/ops/swarm/inbox/Agent-1"
WINDOWS_INBOX = r"C:\Users\Jo Doe\swarm\inbox"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("no swarmbus database at /home/ops/swarm/swarmbus.db.", f"at {SERVER_PATH}."),
        ("database /srv/swarm.db: disk I/O error", f"database {SERVER_PATH}: disk I/O error"),
        ("cannot write '/Users/Jo Doe/inbox/x.md'", f"cannot write '{SERVER_PATH}'"),
        ("in /Users/Jo Doe/inbox now", f"in {SERVER_PATH} now"),
        ("see ~/notes/plan.md", f"see {SERVER_PATH}"),
        (f"inbox {WINDOWS_INBOX} is full", f"inbox {SERVER_PATH} is full"),
        (r"share \\fileserver\swarm\inbox", f"share {SERVER_PATH}"),
        ("sqlite:///var/lib/swarm.db", SERVER_PATH),
        ("postgresql://bus:s3cret@db.internal/swarm", "[database address]"),
    ],
)
def test_paths_become_a_neutral_placeholder(text: str, shown: str) -> None:
    hidden = hide_paths(text)
    assert shown in hidden
    for secret in ("/home", "ops", "Jo Doe", "/srv", "notes", "fileserver", "/var", "s3cret"):
        assert secret not in hidden


@pytest.mark.parametrize(
    "text",
    [
        "`/retry 01M89EGPMVXXWXS3CGNSTRAYX7` requeues it; /messages shows how it goes",
        "big.py and bus/api.py need refactoring",
        "see https://discord.com/developers/applications",
        "and/or 1/2 of the 2026/01/02 runs",
    ],
)
def test_commands_links_and_relative_paths_are_left_alone(text: str) -> None:
    assert hide_paths(text) == text


def test_an_embed_keeps_its_limits_after_hiding() -> None:
    import discord

    embed = discord.Embed(title="/a/b " * 60, description="x")
    embed.add_field(name="n", value="/a/b " * 204)
    hidden = hide_paths_in_embed(embed)
    assert len(hidden.title or "") <= 256
    assert len(hidden.fields[0].value or "") <= 1024


def assert_no_path(reply: Reply, *paths: str) -> None:
    """Nothing the bot sent for this interaction holds any of `paths`."""
    sent = json.dumps([call.payload for call in reply.calls], ensure_ascii=False)
    for path in paths:
        assert path not in sent
        assert json.dumps(path)[1:-1] not in sent  # nor its JSON-escaped form


async def test_a_bus_error_names_no_database_file(make_bot: Callable[..., Any]) -> None:
    async with make_bot(discord=SHORT_BUSY + WAIT_FOR_DELIVERY, options=NEVER_DEFER) as running:
        bot, harness, bus = running
        with write_lock(bus.db.location):
            reply = await harness.invoke("send", ALICE, agent="Agent-1", message="hi")
        assert reply.text.startswith(f"database {SERVER_PATH} stayed locked by another process")
        assert_no_path(reply, bus.db.location)
        await bot.context.ledger.flush()
        [row] = await ledger(bus)
        assert bus.db.location in (row.error_message or "")
        assert row.discord_bot_response == reply.text


async def test_an_unavailable_database_in_a_read_names_no_file(
    driven: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bot, harness, bus = driven
    location = bus.db.location

    async def unavailable() -> Any:
        raise errors.DatabaseUnavailable(f"cannot write database {location} (disk full)")

    monkeypatch.setattr(bus.db.messages, "counts", unavailable)
    reply = await harness.invoke("status", ALICE)
    assert reply.text == f"cannot write database {SERVER_PATH} (disk full)"
    assert_no_path(reply, location)
    [row] = await ledger(bus)
    assert row.error_message == f"cannot write database {location} (disk full)"


async def test_a_crash_shows_no_exception_text(
    driven: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bot, harness, bus = driven

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise FileNotFoundError(2, "No such file or directory", INBOX)

    monkeypatch.setattr(bus.db.messages, "list", crash)
    reply = await harness.invoke("messages", ALICE)
    assert_no_path(reply, INBOX)
    [row] = await ledger(bus)
    assert INBOX in (row.error_message or "")


async def test_reports_name_no_server_path(driven: Any) -> None:
    _bot, harness, bus = driven
    await submit(bus.db, bus.swarm, Report("Agent-1", "busy", focus=f"tidying {INBOX}"))
    detail = f"inbox {WINDOWS_INBOX} unwritable; database {bus.db.location}"
    system = SystemStatus(system_id="messaging@desk", system_name="messaging",
                          system_status="error", status_detail=detail)  # fmt: skip
    await bus.db.systems.heartbeat(system)
    await bus.send("tester", "Agent-2", "logs are in '/var/log/swarm bus/out.log'")
    for name in ("agents", "status", "health", "messages"):
        reply = await harness.invoke(name, ALICE)
        assert_no_path(reply, INBOX, WINDOWS_INBOX, bus.db.location, "/var/log")
    health = (await harness.invoke("health", ALICE)).embed
    assert f"inbox {SERVER_PATH} unwritable; database {SERVER_PATH}" in str(health)


async def test_the_send_outcome_alerts_and_autocomplete_name_no_inbox(
    make_bot: Callable[..., Any],
) -> None:
    section = WAIT_FOR_DELIVERY + f"alert_channel_id = {ALERT_CHANNEL}\n"
    section += "alert_min_interval_seconds = 0\n"
    options = BotOptions(services=False, outcome_poll_seconds=0.02)
    async with make_bot(discord=section, options=options, bus={"max_retries": 0}) as running:
        bot, harness, bus = running
        failing = MemoryTransport(fail=lambda message, attempt: f"cannot write {INBOX}/m.md")
        async with dispatching(bus, failing):
            reply = await harness.invoke("send", ALICE, agent="Agent-1", message="hi")
        assert f"❌ Failed after 1 attempts: cannot write {SERVER_PATH}" in reply.text
        assert_no_path(reply, INBOX)
        await dead_letter(bus, "Agent-2")
        await bot.alerts.poll()
        [post] = harness.rest.calls
        assert INBOX not in json.dumps(post.payload)
        choices = await harness.autocomplete("retry", ALICE, "message_id", message_id="")
        assert len(choices) == 2
        assert INBOX not in json.dumps(choices)
