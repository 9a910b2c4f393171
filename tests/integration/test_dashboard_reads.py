"""What a dashboard reads and asks of the bus: paging, last deliveries, who requeued."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from swarmbus import errors
from swarmbus.bus.api import Bus
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.model import timefmt
from tests.conftest import BACKENDS
from tests.integration.test_dispatcher import drain

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


async def test_retry_notes_who_requeued_the_dead_letter(bus: Bus) -> None:
    message_id = await bus.send("p", "Agent-1", "second chance")
    await drain(bus, MemoryTransport(fail=lambda m, a: "down"))
    untouched = await bus.get(message_id)
    assert (untouched.requeued_by, untouched.requeued_at) == (None, None)
    requeued = await bus.retry(message_id, by="web:alice")
    assert requeued.requeued_by == "web:alice"
    assert requeued.requeued_at is not None
    assert requeued.requeued_at >= untouched.processed_at  # type: ignore[operator]


async def test_retry_all_failed_notes_who_asked(bus: Bus) -> None:
    sent = [await bus.send("p", f"Agent-{n}", "x") for n in (1, 2)]
    await drain(bus, MemoryTransport(fail=lambda m, a: "down"))
    assert sorted(await bus.retry_all_failed(by="discord:bob")) == sorted(sent)
    assert {(await bus.get(i)).requeued_by for i in sent} == {"discord:bob"}


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("a b", "requester 'a b' is not allowed; senders are 1-64"),
        ("x" * 65 + ":y", "is not allowed; senders are 1-64"),
        ("Agnet-1", "requester 'Agnet-1' is not a configured agent"),
    ],
)
async def test_a_bad_requester_is_refused_and_nothing_is_requeued(
    bus: Bus, by: str, expected: str
) -> None:
    message_id = await bus.send("p", "Agent-1", "x")
    await drain(bus, MemoryTransport(fail=lambda m, a: "down"))
    with pytest.raises(errors.UsageError, match=expected):
        await bus.retry(message_id, by=by)
    assert (await bus.get(message_id)).delivery_status == "failed"


async def test_listing_pages_on_before_a_message(bus: Bus) -> None:
    sent = [await bus.send("p", f"Agent-{1 + n % 2}", f"m{n}") for n in range(7)]
    first = await bus.messages(limit=3)
    assert [m.message_id for m in first] == sent[::-1][:3]
    second = await bus.messages(limit=3, before=first[-1].message_id.lower())
    assert [m.message_id for m in second] == sent[::-1][3:6]
    of_one = await bus.messages(agent="Agent-1", limit=10, before=sent[4])
    assert [m.message_id for m in of_one] == [sent[2], sent[0]]


async def test_a_bad_page_position_is_one_line(bus: Bus) -> None:
    with pytest.raises(errors.UsageError, match=r"position 'x1' is not allowed; use a message id"):
        await bus.messages(before="x1")


async def test_status_shows_each_agents_last_delivery(bus: Bus) -> None:
    await bus.send("p", "Agent-1", "one")
    await drain(bus, MemoryTransport())
    await bus.send("p", "Agent-1", "two (fails)")
    await drain(bus, MemoryTransport(fail=lambda m, a: "down"))
    report = await bus.status()
    last = {agent.name: agent.last_delivery for agent in report.agents}
    delivered = (await bus.messages(agent="Agent-1", status="delivered"))[0]
    assert delivered.processed_at is not None
    assert last == {
        "Agent-1": timefmt.to_text(delivered.processed_at),
        "Agent-2": None,
        "Agent-3": None,
    }


async def test_compliance_trend_is_one_point_per_audit_run_oldest_first(
    bus: Bus, tmp_path: Path
) -> None:
    from swarmbus.agents.auditor.rules import AuditRules
    from swarmbus.agents.auditor.runner import AuditRequest
    from swarmbus.bus.audits import Audits
    from swarmbus.bus.trends import Trends

    assert await Trends(bus).compliance() == []
    (tmp_path / "good.py").write_text("x = 1\n")
    first = await Audits(bus).run(AuditRequest(tmp_path, AuditRules()))
    (tmp_path / "long.py").write_text("\n".join(f"x{n} = {n}" for n in range(500)) + "\n")
    second = await Audits(bus).run(AuditRequest(tmp_path, AuditRules()))
    points = await Trends(bus).compliance()
    assert [p.run_id for p in points] == [first.run_id, second.run_id]
    assert points[0].average == 100.0
    assert points[1].average < 100.0
    assert points[0].at <= points[1].at


async def test_latency_trend_buckets_the_deliveries_of_the_window(bus: Bus) -> None:
    from swarmbus.bus.trends import Trends

    for n in range(5):
        await bus.send("p", "Agent-1", f"m{n}")
    await drain(bus, MemoryTransport())
    trend = await Trends(bus).latency(window=timedelta(hours=1), buckets=4)
    assert len(trend.buckets) == 4
    assert (trend.sampled, trend.capped) == (5, False)
    assert [b.count for b in trend.buckets] == [0, 0, 0, 5]
    last = trend.buckets[-1]
    assert last.p50_ms is not None
    assert last.p95_ms is not None
    assert 0 <= last.p50_ms <= last.p95_ms < 60_000
    assert trend.buckets[0].p50_ms is None


async def test_doctor_runs_read_the_latest_run_with_its_checks(bus: Bus) -> None:
    from swarmbus.bus.doctor_runs import DoctorRuns
    from swarmbus.bus.operations import Operations

    assert await DoctorRuns(bus).latest() is None
    report = await Operations(bus.swarm.database, bus.swarm).doctor()
    latest = await DoctorRuns(bus).latest()
    assert latest is not None
    assert latest.summary["run_id"] == report.run_id
    assert [c.test_name for c in latest.checks] == [r.test_name for r in report.rows]
    assert latest.summary["checks"] == len(report.rows)
    assert [run["run_id"] for run in await DoctorRuns(bus).history()] == [report.run_id]


async def test_a_listing_by_status_alone_finds_what_the_full_filter_finds(bus: Bus) -> None:
    """The dead letters a dashboard shows on every refresh come from each status's own
    range (`messages_in_status`, migration 0021); 'pending' still takes in the claimed."""
    failed = [await bus.send("p", "Agent-2", f"f{n}") for n in range(3)]
    await drain(bus, MemoryTransport(fail=lambda m, a: "down"))
    await bus.send("p", "Agent-3", "delivered")
    await drain(bus, MemoryTransport())
    waiting = [await bus.send("p", "Agent-1", f"w{n}") for n in range(4)]
    claim = await bus.db.claims.claim(
        {("Agent-1", 2): 1}, limit=1, lease_seconds=60, claimed_by="t"
    )
    assert [m.message_id for m in claim.messages] == waiting[:1]
    epoch = timefmt.from_text("2000-01-01T00:00:00.000Z")
    for status in ("pending", "claimed", "failed", "delivered", "expired"):
        alone = [m.message_id for m in await bus.messages(status=status)]
        filtered = [m.message_id for m in await bus.messages(status=status, since=epoch)]
        assert alone == filtered, status
    assert [m.message_id for m in await bus.messages(status="failed")] == failed[::-1]
    first = [m.message_id for m in await bus.messages(status="pending", limit=3)]
    rest = [m.message_id for m in await bus.messages(status="pending", before=first[-1])]
    assert first + rest == waiting[::-1]


async def test_an_agents_listing_finds_what_it_sent_and_received_as_the_table_says(
    bus: Bus,
) -> None:
    """An agent's page reads the ends of its ranges as recipient and as sender
    (`messages_of_agent`, migration 0022): the same messages, in the same order, as the
    whole table filtered, with each filter and when paging on."""
    for n in range(3):
        await bus.send("Agent-1", "Agent-2", f"a{n}")
        await bus.send("Agent-2", "Agent-1", f"b{n}")
        await bus.send("p", "Agent-1", f"c{n}")
    await drain(bus, MemoryTransport(fail=lambda m, a: "down" if m.to_agent == "Agent-2" else None))
    await bus.send("Agent-1", "Agent-1", "a note to self")
    await bus.send("Agent-3", "Agent-2", "still waiting")
    everything = await bus.messages(limit=100)
    epoch = timefmt.from_text("2000-01-01T00:00:00.000Z")
    for agent in ("Agent-1", "Agent-2", "Agent-3"):
        for status in (None, "failed", "pending", "delivered"):
            expected = [
                m.message_id
                for m in everything
                if agent in (m.to_agent, m.from_agent) and status in (None, m.status)
            ]
            found = await bus.messages(agent=agent, status=status)
            assert [m.message_id for m in found] == expected, (agent, status)
            since = await bus.messages(agent=agent, status=status, since=epoch)
            assert [m.message_id for m in since] == expected, (agent, status)
    first = await bus.messages(agent="Agent-1", limit=4)
    rest = await bus.messages(agent="Agent-1", before=first[-1].message_id)
    assert [m.message_id for m in first + rest] == [
        m.message_id for m in everything if "Agent-1" in (m.to_agent, m.from_agent)
    ]


async def test_one_agents_status_line_is_its_line_of_the_whole_report(bus: Bus) -> None:
    """An agent's page counts that agent's messages alone (`Bus.agent_status`): the same
    queue, unread, overdue acks and last delivery as the whole report says of it."""
    await bus.send("p", "Agent-1", "delivered")
    await bus.send("p", "Agent-2", "read later")
    await drain(bus, MemoryTransport())
    await bus.send("p", "Agent-1", "dead letter")
    await drain(bus, MemoryTransport(fail=lambda m, a: "down"))
    await bus.send("Agent-3", "Agent-1", "waiting", ack_within=60)
    await bus.db.connector.execute(
        "UPDATE agent_messages SET ack_due_at = :past WHERE ack_required = TRUE",
        {"past": "2020-01-01T00:00:00.000Z"},
    )
    await bus.read("Agent-2", "Agent-2")
    report = await bus.status()
    for line in report.agents:
        assert await bus.agent_status(line.name) == line, line.name
    one = await bus.agent_status("Agent-1")
    assert (one.queue, one.unread, one.overdue_acks) == (
        {"delivered": 1, "failed": 1, "pending": 1},
        3,
        1,
    )
    with pytest.raises(errors.UnknownAgent, match="unknown agent 'Agnet-1'; configured agents"):
        await bus.agent_status("Agnet-1")
