"""Agent status reports (`swarmbus agents report`) and each agent's coordination efficiency.

coordination_efficiency (0-100), over the agent's latest 100 finished
messages (delivered, failed or expired) addressed to it:

    100 × Σ w(m) / n,   w(m) = 1 / (1 + latency_s / 60)  for a message delivered
                                                          on its first attempt
                        w(m) = 0                          for one that needed a retry,
                                                          was dead-lettered or expired,
                                                          or whose required ack missed
                                                          its deadline

where latency is `processed_at − sent_at`: a first-attempt delivery a minute
after sending counts half. An ack misses its deadline when it is still
missing once `ack_due_at` has passed, by the database's clock, or came after
it. An agent with no finished message keeps its stored value.
`v2_compliance` is not computed here: `swarmbus audit PATH --agent NAME`
writes it from the latest audit of the agent's code, and a report leaves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from swarmbus import errors
from swarmbus.agents import registry
from swarmbus.agents.config import Swarm
from swarmbus.model import timefmt
from swarmbus.model.workspaces import REPORTED_STATUSES, AgentWorkspace, Report
from swarmbus.storage.database import Database
from swarmbus.storage.history import DeliveryHistory

RECENT_MESSAGES = 100  # finished messages the efficiency is computed over
LATENCY_HALF_SECONDS = 60.0  # a first-attempt delivery this late counts half
MAX_FOCUS_CHARS = 200  # characters of current_focus


def check_report(swarm: Swarm, report: Report) -> Report:
    """Refuse an unknown agent, status or an over-long focus with one line (nothing is written)."""
    swarm.agent(report.agent_id)
    if report.status not in REPORTED_STATUSES:
        raise errors.UsageError(
            f"status {report.status!r} is not allowed; use {', '.join(REPORTED_STATUSES)} "
            f"('unknown' is only the state before an agent's first report)"
        )
    if report.focus is not None and len(report.focus) > MAX_FOCUS_CHARS:
        raise errors.UsageError(
            f"--focus is {len(report.focus)} characters; at most {MAX_FOCUS_CHARS} are allowed"
        )
    return report


def coordination_efficiency(messages: Sequence[dict[str, Any]]) -> float | None:
    """The formula in the module docstring; None when there is nothing to judge by."""
    if not messages:
        return None
    total = 0.0
    for message in messages:
        if message["delivery_status"] != "delivered" or message["retry_count"]:
            continue
        if _ack_late(message):
            continue
        sent = timefmt.from_text(message["sent_at"])
        done = timefmt.from_text(message["processed_at"] or message["sent_at"])
        latency = max(0.0, (done - sent).total_seconds())
        total += 1.0 / (1.0 + latency / LATENCY_HALF_SECONDS)
    return round(100.0 * total / len(messages), 1)


def _ack_late(message: dict[str, Any]) -> bool:
    """Whether a required ack missed its deadline: came after it, or is still missing past it."""
    if message.get("ack_due_at") is None:
        return False
    due = timefmt.from_text(message["ack_due_at"])
    acked = message.get("acked_at")
    done = timefmt.from_text(acked) if acked else timefmt.from_text(message["db_now"])
    return done > due


async def submit(db: Database, swarm: Swarm, report: Report) -> AgentWorkspace:
    """Store a checked report with the agent's fresh coordination efficiency; return its row."""
    check_report(swarm, report)
    await registry.sync(db, swarm)
    finished = await DeliveryHistory(db.connector).finished_to(report.agent_id, RECENT_MESSAGES)
    efficiency = coordination_efficiency(finished)
    stored = Report(
        report.agent_id, report.status, report.focus, report.cycle, report.task_done, efficiency
    )
    if not await db.workspaces.report(stored):
        raise errors.UnknownAgent(f"agent {report.agent_id!r} is not in the registry")
    row = await db.workspaces.get(report.agent_id)
    assert row is not None
    return row
