"""Each command's happy path, through the real tree against a real SQLite database."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from swarmbus.bus.api import Bus
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.discord_bot.context import BotOptions
from swarmbus.model import timefmt
from swarmbus.model.audits import ComplianceAudit
from swarmbus.model.systems import SystemStatus
from tests.discord.conftest import (
    ALICE,
    WAIT_FOR_DELIVERY,
    Bot,
    dead_letter,
    dispatching,
    drain,
    ledger,
)
from tests.discord.harness import Reply

BODY = "Review PR 42\nthen ping me ✓"  # a newline and non-ASCII must arrive exactly


async def test_send_stores_the_message_and_edits_in_its_delivery(
    make_bot: Callable[..., Any],
) -> None:
    async with make_bot(discord=WAIT_FOR_DELIVERY) as (_bot, harness, bus):
        async with dispatching(bus, MemoryTransport()) as transport:
            options = {"agent": "Agent-2", "message": BODY, "priority": "high"}
            reply = await harness.invoke("send", ALICE, **options)
        await _check_delivered_send(bus, reply, transport)


async def _check_delivered_send(bus: Bus, reply: Reply, transport: MemoryTransport) -> None:
    [message] = await bus.db.messages.list()
    assert reply.callback_type == 4
    assert reply.first.ephemeral  # the acknowledgement is for the sender only
    stored = f"📨 Message `{message.message_id}` for **Agent-2** stored (high)."
    assert reply.first.content == stored
    assert len(reply.edits) == 1
    assert "✅ Delivered to Agent-2 in" in reply.text
    assert transport.received("Agent-2") == [BODY]
    assert message.from_agent == "discord:alice"
    assert message.priority == "high"
    assert message.tags == ["discord"]
    [row] = await ledger(bus)
    assert row.command_type == "task_assignment"
    assert row.agent_id == "Agent-2"
    assert row.command_priority == 2
    assert row.execution_status == "success"
    assert row.command_validation_status == "valid"
    options = {"agent": "Agent-2", "message": BODY, "priority": "high"}
    assert row.command_data == {"command": "send", "options": options}
    assert row.response_data == {
        "message_id": message.message_id,
        "outcome": "delivered",
        "deferred": False,
        "ephemeral": True,
    }
    assert row.discord_bot_response == reply.text
    assert (row.user_id, row.user_name) == (str(ALICE.user_id), "alice")
    assert row.channel_id is not None
    assert row.guild_id is not None
    assert row.execution_time_ms is not None
    assert row.error_message is None


async def test_send_reports_a_dead_letter(make_bot: Callable[..., Any]) -> None:
    async with make_bot(discord=WAIT_FOR_DELIVERY, bus={"max_retries": 0}) as (_bot, harness, bus):
        failing = MemoryTransport(fail=lambda message, attempt: "window closed")
        async with dispatching(bus, failing):
            reply = await harness.invoke("send", ALICE, agent="Agent-1", message="hello")
        [message] = await bus.db.messages.list()
        assert message.delivery_status == "failed"
        failed = f"❌ Failed after 1 attempts: window closed. `/retry {message.message_id}`"
        assert failed in reply.text
        [row] = await ledger(bus)
        assert row.execution_status == "success"  # the command worked; the delivery did not
        assert row.response_data is not None
        assert row.response_data["outcome"] == "failed"


async def test_send_still_pending_when_the_wait_runs_out(driven: Bot) -> None:
    _bot, harness, bus = driven
    reply = await harness.invoke("send", ALICE, agent="Agent-3", message="anyone there?")
    assert reply.text.endswith("⏳ Still pending after 0.05s; `/messages` shows how it goes.")
    [message] = await bus.db.messages.list()
    assert message.delivery_status == "pending"
    [row] = await ledger(bus)
    assert row.response_data is not None
    assert row.response_data["outcome"] == "pending"


async def test_broadcast_stores_one_message_per_agent(driven: Bot) -> None:
    _bot, harness, bus = driven
    reply = await harness.invoke("broadcast", ALICE, message="stand-up in 5", priority="urgent")
    stored = await bus.db.messages.list()
    assert sorted(m.to_agent for m in stored) == ["Agent-1", "Agent-2", "Agent-3"]
    assert {m.broadcast_id for m in stored} == {stored[0].broadcast_id}
    assert {m.priority for m in stored} == {"urgent"}
    assert reply.text == (
        f"📣 Broadcast `{stored[0].broadcast_id}` stored for 3 agents (urgent): "
        "Agent-1, Agent-2, Agent-3"
    )
    [row] = await ledger(bus)
    assert (row.command_type, row.agent_id, row.command_priority) == ("coordination", "swarm", 3)
    assert row.response_data is not None
    assert row.response_data["broadcast_id"] == stored[0].broadcast_id


async def test_retry_requeues_a_dead_letter(driven: Bot) -> None:
    _bot, harness, bus = driven
    message_id = await dead_letter(bus, "Agent-2")
    reply = await harness.invoke("retry", ALICE, message_id=message_id.lower())
    assert (await bus.get(message_id)).delivery_status == "pending"
    assert reply.text == (
        f"🔁 Message `{message_id}` for **Agent-2** requeued with 4 fresh attempts."
    )
    [row] = await ledger(bus)
    assert (row.command_type, row.agent_id, row.execution_status) == (
        "coordination",
        "Agent-2",
        "success",
    )


async def test_agents_lists_the_registry_with_queues(driven: Bot) -> None:
    _bot, harness, bus = driven
    await dead_letter(bus, "Agent-3")
    await bus.send("tester", "Agent-1", "one")
    await bus.send("tester", "Agent-1", "two")
    embed = (await harness.invoke("agents", ALICE)).embed
    assert embed["title"] == "Agents (3)"
    assert embed["description"].splitlines() == [
        "**Agent-1** · memory · unknown · 2 waiting",
        "**Agent-2** · memory · unknown · 0 waiting",
        "**Agent-3** · memory · unknown · 0 waiting · 1 dead",
    ]


async def test_status_shows_queues_dead_letters_and_last_deliveries(driven: Bot) -> None:
    _bot, harness, bus = driven
    delivered = await bus.send("tester", "Agent-2", "done soon")
    await drain(bus)
    await dead_letter(bus)
    await bus.send("tester", "Agent-3", "waiting")
    embed = (await harness.invoke("status", ALICE)).embed
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Queue"] == "1 pending · 0 in delivery · 0 retrying"
    assert fields["Dead letters"] == "1"
    assert fields["Delivered"] == "1"
    assert fields["Last deliveries"].startswith(f"`{delivered}` → Agent-2 · ")


async def test_health_lists_every_system_and_marks_stale_ones(driven: Bot) -> None:
    _bot, harness, bus = driven
    now = timefmt.utcnow()
    fresh = SystemStatus(
        system_id="messaging@desk",
        system_name="messaging",
        system_status="active",
        health_score=90.0,
        error_count=2,
        status_detail="delivering (0 in flight)",
    )
    stale = SystemStatus(
        system_id="coordination@laptop",
        system_name="coordination",
        system_status="active",
        last_health_check=now - timedelta(minutes=5),
        heartbeat_interval_seconds=5,
    )
    for row in (fresh, stale):
        await bus.db.systems.heartbeat(row)
    embed = (await harness.invoke("health", ALICE)).embed
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert set(fields) == {"messaging: messaging@desk", "coordination: coordination@laptop"}
    messaging = fields["messaging: messaging@desk"]
    assert messaging.startswith("active · health 90 · 2 errors · heartbeat")
    assert messaging.endswith("\ndelivering (0 in flight)")
    assert "STALE" not in messaging
    assert fields["coordination: coordination@laptop"].startswith("⚠️ STALE · active · health 100")
    assert "heartbeat 5m ago" in fields["coordination: coordination@laptop"]


async def test_health_with_no_systems_says_so(driven: Bot) -> None:
    _bot, harness, _bus = driven
    embed = (await harness.invoke("health", ALICE)).embed
    assert embed["description"].startswith("No system has reported yet")
    assert "fields" not in embed or embed["fields"] == []


async def test_messages_filters_by_agent_and_status(driven: Bot) -> None:
    _bot, harness, bus = driven
    failed = await dead_letter(bus, "Agent-1", "broken")
    latest = await bus.send("tester", "Agent-1", "for one")
    await bus.send("tester", "Agent-2", "for two")
    embed = (await harness.invoke("messages", ALICE, agent="Agent-1")).embed
    assert embed["title"] == "Messages · Agent-1"
    lines = embed["description"].splitlines()
    assert [line.split("`")[1] for line in lines[::2]] == [latest, failed]
    assert lines[1] == "> for one"
    assert lines[3] == "> broken"
    embed = (await harness.invoke("messages", ALICE, status="failed", limit=5)).embed
    assert embed["title"] == "Messages · failed"
    assert embed["description"].count("\n> ") == 1
    assert failed in embed["description"]
    rows = await ledger(bus)
    assert [r.agent_id for r in rows] == ["Agent-1", "swarm"]


async def test_compliance_with_no_audit_yet(driven: Bot) -> None:
    _bot, harness, bus = driven
    embed = (await harness.invoke("compliance", ALICE)).embed
    assert embed["description"] == "No compliance audit has run yet."
    assert (await ledger(bus))[0].execution_status == "success"


async def test_compliance_shows_the_latest_run(driven: Bot) -> None:
    _bot, harness, bus = driven
    old = timefmt.utcnow() - timedelta(days=1)
    await bus.db.audits.record_run([_audit("old.py", 10, 9, run_id="run-old", audit_timestamp=old)])
    await bus.db.audits.record_run(
        [_audit("good.py", 100, 0, run_id="run-new"), _audit("big.py", 40, 3, run_id="run-new")]
    )
    embed = (await harness.invoke("compliance", ALICE)).embed
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert embed["description"].startswith("Run `run-new` by auditor")
    assert fields["Components"] == "2"
    assert fields["Average score"] == "70.0"
    assert fields["Violations"] == "3"
    assert fields["Worst components"].splitlines() == [
        "big.py · 40 · 3 violations",
        "good.py · 100 · 0 violations",
    ]


def _audit(name: str, score: float, violations: int, **extra: Any) -> ComplianceAudit:
    return ComplianceAudit(
        component_name=name,
        component_type="file",
        compliance_score=score,
        violations_found=violations,
        auditor_agent="auditor",
        refactoring_required=violations > 0,
        **extra,
    )


async def test_a_slow_command_is_deferred_in_time_then_answered(
    make_bot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    options = BotOptions(services=False, defer_after_seconds=0.01)
    async with make_bot(options=options) as (_bot, harness, bus):
        real_runs = bus.db.audits.runs

        async def slow_runs(limit: int = 10) -> list[dict[str, Any]]:
            await harness.webhook.deferred.wait()  # the database is slow until the bot defers
            return await real_runs(limit)

        monkeypatch.setattr(bus.db.audits, "runs", slow_runs)
        reply = await harness.invoke("compliance", ALICE)
        assert reply.callback_type == 5  # "swarmbus is thinking…"
        assert reply.calls[1].method == "POST"  # the answer, as a follow-up
        assert reply.embed["description"] == "No compliance audit has run yet."
        [row] = await ledger(bus)
        assert row.execution_status == "success"
        assert row.response_data == {"deferred": True, "ephemeral": True}


async def test_reservations_lists_holders_soonest_expiry_first(driven: Bot) -> None:
    _bot, harness, bus = driven
    embed = (await harness.invoke("reservations", ALICE)).embed
    assert (embed["title"], embed["description"]) == ("Reservations (0)", "No live reservations.")
    project = "/home/someone/work/swarmbus"
    await bus.reserve("Agent-1", ["storage/**"], project, ttl=7200, reason="claim query")
    await bus.reserve("Agent-2", ["docs/*.md"], project, ttl=600, exclusive=False)
    embed = (await harness.invoke("reservations", ALICE)).embed
    assert embed["title"] == "Reservations (2)"
    lines = embed["description"].splitlines()
    assert re.fullmatch(
        r"`docs/\*\.md` · \*\*Agent-2\*\* · shared · (9|10)m left · swarmbus", lines[0]
    )
    assert re.fullmatch(
        r"`storage/\*\*` · \*\*Agent-1\*\* · exclusive · (1|2)h left · swarmbus", lines[1]
    )
    assert lines[2] == "> claim query"
    assert "/home/someone" not in embed["description"]  # no server path reaches Discord
    embed = (await harness.invoke("reservations", ALICE, agent="Agent-1")).embed
    assert embed["title"] == "Reservations (1) · Agent-1"
    rows = await ledger(bus)
    assert [r.agent_id for r in rows] == ["swarm", "swarm", "Agent-1"]
    assert {r.command_type for r in rows} == {"status_check"}
    fields = {
        f["name"]: f["value"] for f in (await harness.invoke("status", ALICE)).embed["fields"]
    }
    assert fields["File reservations"] == "2 live · 1 exclusive · /reservations"
