"""What the dispatcher's parts share: the bus, transports, counters and lane bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import anyio

from swarmbus.agents.config import AgentConfig
from swarmbus.bus.api import Bus
from swarmbus.bus.batching import GroupCommit
from swarmbus.bus.health import DispatchStats
from swarmbus.bus.leases import LeaseKeeper
from swarmbus.bus.sharing import LaneShares
from swarmbus.bus.signal import Signal
from swarmbus.bus.slots import PrioritySlots
from swarmbus.bus.transports.base import Transport
from swarmbus.model import timefmt
from swarmbus.model.messages import PRIORITIES
from swarmbus.storage.claims import Lane, Outcome


class DatabaseClock:
    """The database's time, carried forward from the last claim's reading of it.

    Expiry is judged by the clock the database stamped `expires_at` with; a
    host whose own clock is off must not close messages early or late.
    """

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def sync(self, db_now: datetime | None) -> None:
        if db_now is not None:
            self._offset = db_now - timefmt.utcnow()

    def now(self) -> datetime:
        return timefmt.utcnow() + self._offset


@dataclass
class DispatchContext:
    """State of one running dispatcher, shared by its claim loop, lanes and heartbeat."""

    bus: Bus
    transports: dict[str, Transport]
    name: str
    host: str
    stats: DispatchStats = field(default_factory=DispatchStats)
    stopping: anyio.Event = field(default_factory=anyio.Event)
    busy: set[Lane] = field(default_factory=set)  # lanes with a delivery task running here
    in_flight: int = 0
    idle: anyio.Event = field(default_factory=anyio.Event)
    db_error: bool = False  # the last write failed: a claim, a lane's record, a heartbeat
    # what a lane's record that failed said, until a write succeeds (a claim that took
    # messages, a heartbeat): a claim that took none wrote nothing (Dispatcher._claim)
    failed_write: str | None = None
    started_at: datetime = field(default_factory=timefmt.utcnow)
    # the wake-up count up to which every wake-up named messages this dispatcher then
    # claimed, none of a lane it was delivering (bus/claiming.py)
    accounted: int = -1
    shares: LaneShares = field(default_factory=LaneShares)  # agents other dispatchers reach

    def __post_init__(self) -> None:
        self.idle.set()
        self.slots = {name: PrioritySlots(t.concurrency) for name, t in self.transports.items()}
        self.settle: GroupCommit[Outcome, str] = GroupCommit(self.bus.db.claims.settle)
        self.leases = LeaseKeeper(self.bus.db.leases, self.bus.settings.lease_seconds)
        self.clock = DatabaseClock()

    @property
    def wake(self) -> Signal:
        """Set by senders in this process, the wake-up socket, and finished lanes."""
        return self.bus.sent

    def route(self, agent: AgentConfig) -> Transport | None:
        """The transport that can deliver to `agent` now: its own, else its fallback.

        None as well for an agent of another host: a GUI agent belongs to the
        machine whose mouse reaches its window (its `host`, by default the
        machine reading the config), an inbox agent to its `host` if it names one.
        """
        owner = agent.host or (self.host if agent.transport == "gui" else None)
        if owner is not None and owner != self.host:
            return None
        for name in (agent.transport, agent.fallback):
            transport = self.transports.get(name) if name else None
            if transport is not None and transport.unavailable_reason() is None:
                return transport
        return None

    def claimable_lanes(self, *, everyone: bool = False) -> dict[Lane, int]:
        """Lanes worth claiming from now -> the batch size of their transport.

        Lanes of agents no transport here can reach are left out (their
        messages wait), and so are lanes this dispatcher is delivering already;
        unless `everyone`, so are those of agents a peer is to claim (`sharing`).
        """
        lanes = {}
        for agent in self.bus.configured.values():
            transport = self.route(agent)
            if transport is None or not (everyone or self.shares.owns(agent.name)):
                continue
            for rank in range(len(PRIORITIES)):
                if (agent.name, rank) not in self.busy:
                    lanes[(agent.name, rank)] = transport.batch_size
        return lanes

    def transport_states(self) -> dict[str, str]:
        """transport name -> 'available' or 'unavailable: <reason>'."""
        states = {}
        for name, transport in self.transports.items():
            reason = transport.unavailable_reason()
            states[name] = "available" if reason is None else f"unavailable: {reason}"
        return states

    def write_failed(self, error: str) -> None:
        """A lane could not record what it did: the dispatcher reports failing until a
        write succeeds (a claim that takes nothing writes nothing)."""
        self.db_error, self.failed_write = True, error

    def write_succeeded(self) -> None:
        """A write went through (a claim that took messages, a heartbeat): writes work."""
        self.db_error, self.failed_write = False, None

    def lane_started(self, lane: Lane, size: int) -> None:
        self.busy.add(lane)
        self.in_flight += size
        if self.idle.is_set():
            self.idle = anyio.Event()

    def lane_finished(self, lane: Lane, size: int, quiet_since: int | None = None) -> None:
        """Wake the claim loop: the lane's next messages may be ready now.

        Unless the lane left nothing behind: it was delivered whole, its claim saw
        nothing else in play (`quiet_since`, the wake-up count then), and nothing woke
        the loop since, or only sends of messages claimed since, all for other lanes
        (`accounted`), so a claim would find nothing. Anything sent after the claim's
        read woke the loop (its reading is older than the read).
        """
        self.busy.discard(lane)
        self.in_flight -= size
        if self.in_flight == 0:
            self.idle.set()
        if quiet_since is None or self.wake.sets not in (quiet_since, self.accounted):
            self.wake.set()
