"""The doctor's round trip: one real message through store, claim, inbox delivery and settle.

The probe goes to a built-in recipient (`PROBE_AGENT`; see `storage.probes`
for how its registry row stays out of every listing), is delivered by the
real inbox transport into a temporary folder, read back from the file,
confirmed as delivered in the database, and then deleted: no agent's queue,
`status` or inbox shows a trace. Running dispatchers never claim it, because
they only claim the lanes of configured agents.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from swarmbus.agents.config import AgentConfig, Swarm, SwarmConfig
from swarmbus.bus.transports.base import DeliveryRequest
from swarmbus.bus.transports.inbox import InboxTransport
from swarmbus.model import ids, render, timefmt
from swarmbus.model.messages import PRIORITIES, Message, NewMessage
from swarmbus.storage.claims import Outcome
from swarmbus.storage.database import Database
from swarmbus.storage.probes import ProbeRepository

PROBE_AGENT = "swarmbus:probe"  # ':' is outside the agent-name rule: no agent can be called this
PROBE_SENDER = "swarmbus:doctor"
PROBE_LEASE = 30.0  # seconds the probe is claimed for
LEFTOVER_AGE = timedelta(hours=1)  # older probes are a crashed run's, deleted with ours
LANE_BATCH = 16  # probe messages claimed at once (a concurrent doctor's may be among them)


class ProbeFailed(Exception):
    """A stage of the round trip did not do what it should."""

    def __init__(self, stage: str, detail: str) -> None:
        super().__init__(f"{stage}: {detail}")
        self.stage = stage


@dataclass
class Trip:
    """What happened to the probe, stage by stage (the check's actual_result)."""

    message_id: str
    stages: list[str] = field(default_factory=list)
    delivery_ms: int | None = None
    file: str | None = None
    removed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


async def round_trip(db: Database, folder: Path) -> Trip:
    """Send, deliver, read back, confirm and remove one probe; raise `ProbeFailed` on a miss."""
    probes = ProbeRepository(db.connector)
    await probes.ensure_recipient(PROBE_AGENT)
    content = f"swarmbus doctor probe {ids.new_id()}\nsecond line ✓"
    new = NewMessage(PROBE_SENDER, PROBE_AGENT, content, max_retries=0)
    trip = Trip((await db.messages.insert([new]))[0].message_id, ["stored"])
    try:
        message = await _deliver(db, trip, folder)
        _read_back(trip, message, folder)
        await _confirm(db, trip)
    finally:
        stale = timefmt.utcnow() - LEFTOVER_AGE
        trip.removed = await probes.delete(PROBE_AGENT, trip.message_id, stale)
    return trip


async def _deliver(db: Database, trip: Trip, folder: Path) -> Message:
    lane = (PROBE_AGENT, PRIORITIES.index("normal"))
    claim = await db.claims.claim(
        {lane: LANE_BATCH}, limit=LANE_BATCH, lease_seconds=PROBE_LEASE, claimed_by=PROBE_SENDER
    )
    ours = [m for m in claim.messages if m.message_id == trip.message_id]
    await db.claims.release(claim.token, [m.message_id for m in claim.messages if m not in ours])
    if not ours:
        raise ProbeFailed("claim", "the probe message could not be claimed")
    trip.stages.append("claimed")
    agent = AgentConfig(name="doctor-probe", transport="inbox", inbox=folder)
    swarm = Swarm(folder / "probe.toml", SwarmConfig(agents=[agent]), db.location)
    started = time.perf_counter()
    result = await InboxTransport(swarm, durable=False).deliver(DeliveryRequest(ours[0], agent))
    trip.delivery_ms = round((time.perf_counter() - started) * 1000)
    if not result.ok:
        raise ProbeFailed("deliver", str(result.error))
    outcome = Outcome(trip.message_id, claim.token, trip.delivery_ms, "inbox")
    settled = await db.claims.settle([outcome])
    if settled != ["delivered"]:
        raise ProbeFailed("settle", f"the delivery was recorded as {settled[0]}")
    trip.stages.append("delivered")
    return ours[0]


def _read_back(trip: Trip, message: Message, folder: Path) -> None:
    files = list(folder.glob(f"*-{trip.message_id}.md"))
    if len(files) != 1:
        raise ProbeFailed("read back", f"{len(files)} inbox files for the probe, expected 1")
    header, body = render.parse_inbox_document(files[0].read_text(encoding="utf-8"))
    if header.get("id") != trip.message_id or body != message.content:
        raise ProbeFailed("read back", "the inbox file does not hold the probe exactly")
    trip.file = files[0].name
    files[0].unlink()
    trip.stages.append("read back")


async def _confirm(db: Database, trip: Trip) -> None:
    stored = await db.messages.get(trip.message_id)
    if stored is None or stored.delivery_status != "delivered" or stored.processed_at is None:
        state = "missing" if stored is None else stored.delivery_status
        raise ProbeFailed("confirm", f"the probe row is {state}, expected delivered")
    trip.stages.append("confirmed")
