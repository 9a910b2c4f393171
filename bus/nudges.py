"""Nudge delivery: one short notice in the chat window instead of the bodies.

A gui agent with `delivery = "nudge"` reads its messages through the MCP
server (`fetch_inbox`); what is pasted only says that they are there. A notice
costs the agent's context a line, and a paste can never be cut short. The
messages right behind one in its lane run (the run the dispatcher claimed
together) that would be nudged too are announced by the same notice ("3 new
messages from Agent-1, Agent-5"), and each is recorded as delivered when the
notice lands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from swarmbus.model.messages import Message

if TYPE_CHECKING:
    from swarmbus.bus.lanes import LaneRunner, LaneWork

NOTICE_TRANSPORTS = ("gui",)  # transports that paste a notice (see `transports.gui`)


async def companions(runner: LaneRunner, work: LaneWork, index: int) -> tuple[Message, ...]:
    """The messages after `work.lane[index]` that its notice announces too, each with its
    attempt begun (as the first one's was), so a crash leaves them visibly uncertain."""
    first = work.lane[index]
    agent = runner.ctx.bus.configured[first.to_agent]
    if work.transport.name not in NOTICE_TRANSPORTS or not agent.nudges(first.content):
        return ()
    found: list[Message] = []
    for message in work.lane[index + 1 :]:
        if not _joins(runner, agent.nudges(message.content), message):
            break
        started = await runner.ctx.bus.db.leases.begin_attempt(
            message.message_id, work.token, runner.ctx.name, runner.settings.lease_seconds
        )
        if not started:  # another dispatcher has it; the lane finds out on its turn
            break
        found.append(message)
        work.noticed.add(message.message_id)
    return tuple(found)


def _joins(runner: LaneRunner, nudged: bool, message: Message) -> bool:
    """A message joins a notice when it is nudged too, still ours, unexpired, and has no
    interrupted attempt (that one goes through the lane's own uncertain-message rules)."""
    expired = message.expires_at is not None and message.expires_at <= runner.ctx.clock.now()
    return (
        nudged
        and not expired
        and message.attempt_started_at is None
        and not runner.ctx.leases.is_lost(message.message_id)
    )
