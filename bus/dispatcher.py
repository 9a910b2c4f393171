"""The dispatcher: claims ready messages under a lease and hands each lane to a runner.

One claim loop takes, for every lane (recipient, priority), the run of ready
messages at its head, and starts one lane task per lane (see `lanes`). When
nothing is ready it sleeps until a sender's announcement wakes it, until the next
backoff or lease runs out, or until another process writes to the database.

Side tasks (wake-up listener, heartbeat, expiry sweep, monitor, signal
handler) run in one task group: if any of them dies, the dispatcher stops.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import partial

import anyio
import anyio.abc

from swarmbus import errors
from swarmbus.agents.registry import this_host
from swarmbus.bus import sharing
from swarmbus.bus.api import Bus
from swarmbus.bus.claiming import ClaimSource
from swarmbus.bus.context import DispatchContext
from swarmbus.bus.health import DispatchStats
from swarmbus.bus.heartbeat import Heartbeat, follow_peers
from swarmbus.bus.lanes import LaneRunner
from swarmbus.bus.monitor import Monitor
from swarmbus.bus.transports.base import Transport
from swarmbus.model.messages import Message
from swarmbus.storage.claims import Claim, Lane

logger = logging.getLogger(__name__)

MAX_IN_FLIGHT = 1024  # claimed messages held at once
EXPIRY_SWEEP = 5.0  # seconds between sweeps of expired waiting messages
STOP_GRACE = 10.0  # seconds in-flight deliveries get to finish on shutdown
CLAIM_RETRY_MAX = 10.0  # seconds between claims while the database keeps failing


@dataclass(frozen=True)
class DispatcherOptions:
    """Tunables beyond the swarm config; the defaults suit a desktop swarm."""

    name: str | None = None
    max_in_flight: int = MAX_IN_FLIGHT
    idle_poll: float | None = None  # seconds; None: what the database suggests
    expiry_sweep: float = EXPIRY_SWEEP
    stop_grace: float = STOP_GRACE
    handle_signals: bool = False
    listen: bool = True  # False: rely on the idle poll alone (for measurements)
    monitor: bool = True  # run the monitor loop (stale systems, coordination row)
    sweep: float = sharing.SWEEP  # seconds between claims of lanes left to peers
    peers_every: float = sharing.PEERS_EVERY  # seconds between reads of the peers


class Dispatcher:
    """Delivers the messages of one swarm through the given transports.

    :param bus: the open bus (database, agents, settings).
    :param transports: transport name ("gui", "inbox", "memory") -> transport.
        Agents no available transport can reach are not served: their
        messages wait.
    """

    def __init__(
        self,
        bus: Bus,
        transports: Mapping[str, Transport],
        options: DispatcherOptions | None = None,
    ) -> None:
        self.options = options or DispatcherOptions()
        host = this_host()
        name = self.options.name or f"messaging@{host}"
        shares = sharing.LaneShares(self.options.sweep)
        self.ctx = DispatchContext(bus, dict(transports), name, host, shares=shares)
        self.heartbeat = Heartbeat(self.ctx, self.options.max_in_flight)
        self._failures = 0  # claims failed in a row
        # While claims fail in a row: when the first one failed (time.monotonic()) and why the
        # last one did. `swarmbus run --once` gives up on a database that stays unusable.
        self.failing_since: float | None = None
        self.last_claim_error: str | None = None
        self.lanes = LaneRunner(self.ctx)
        self.monitor = Monitor(self.ctx) if self.options.monitor else None
        self._claims = ClaimSource(self.ctx, announced=self.options.listen)

    @property
    def name(self) -> str:
        return self.ctx.name

    @property
    def stats(self) -> DispatchStats:
        return self.ctx.stats

    def stop(self) -> None:
        """Stop claiming; lanes finish their current message and hand back the rest."""
        self.ctx.stopping.set()
        self.ctx.wake.set()

    async def run(self, *, once: bool = False) -> DispatchStats:
        """Deliver until stopped (or, with `once`, until nothing is left to deliver)."""
        connector = self.ctx.bus.db.connector
        poll = self.options.idle_poll or connector.idle_poll
        logger.info("dispatcher %s started", self.name, extra={"action": "dispatcher_start"})
        try:
            async with anyio.create_task_group() as side:
                start_side_tasks(self, side, once)
                await self._deliver(once, poll)
                side.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await self.heartbeat.beat("inactive")
                if self.monitor is not None:
                    await self.monitor.beat("inactive")
        logger.info("dispatcher %s stopped", self.name, extra={"action": "dispatcher_stop"})
        return self.stats

    async def _deliver(self, once: bool, poll: float) -> None:
        if once:  # every claim in full: its `lanes` count tells when nothing is left
            self._claims = ClaimSource(self.ctx, announced=False)
        async with anyio.create_task_group() as lanes:
            await self._claim_loop(lanes, once=once, poll=poll)
            with anyio.move_on_after(self.options.stop_grace):
                await self.ctx.idle.wait()
            lanes.cancel_scope.cancel()  # the leases of whatever is left expire

    async def _claim_loop(self, lanes: anyio.abc.TaskGroup, *, once: bool, poll: float) -> None:
        marker: object = None
        quiet = self.options.listen and not once  # else a lane's end is a wake-up
        while not self.ctx.stopping.is_set():
            room = self.options.max_in_flight - self.ctx.in_flight
            idle_before = self.ctx.in_flight == 0  # the claim below then saw every lane
            routes = self.ctx.claimable_lanes(everyone=once)
            seen = self.ctx.wake.sets  # before the claim reads: a later send wakes past it
            claim = await self._claim(room, routes)
            if claim is None:
                continue
            if claim.messages:
                self._start_lanes(lanes, claim, routes, seen if quiet else None)
                if claim.more and room > len(claim.messages):
                    continue
            elif once and idle_before and claim.lanes == 0 and self.ctx.in_flight == 0:
                return
            due_in = self.ctx.shares.sooner(claim.next_due_in)
            marker = await self._idle_until_work(due_in, poll, marker, routes.keys())

    async def _claim(self, room: int, routes: dict[Lane, int]) -> Claim | None:
        """Claim, or after a database failure wait a little and return None."""
        try:
            claim = await self._claims.claim(room, routes)
        except errors.StorageError as exc:
            self.ctx.db_error = True
            self.stats.errors += 1
            self._failures += 1
            self.failing_since = self.failing_since or time.monotonic()
            self.last_claim_error = str(exc)
            delay = min(CLAIM_RETRY_MAX, 0.1 * 2**self._failures)
            logger.warning(
                "claim failed (%s); trying again in %.1f s",
                exc,
                delay,
                extra={"action": "claim_failed"},
            )
            await self.ctx.wake.wait(delay)
            return None
        if claim.messages or self.ctx.failed_write is None:
            self.ctx.write_succeeded()
            self._failures, self.failing_since = 0, None
        else:  # it took nothing, so wrote nothing: a lane's record that failed still stands
            self.failing_since = self.failing_since or time.monotonic()
            self.last_claim_error = self.ctx.failed_write
        self.ctx.clock.sync(claim.db_now)
        return claim

    async def _idle_until_work(
        self, due_in: float | None, poll: float, marker: object, routes: Collection[Lane]
    ) -> object:
        """Sleep until woken, until `due_in` seconds passed, until another process
        wrote something, or until the lanes this dispatcher can serve change (a
        display came back).

        Senders wake us through the database's announcements; looking at its
        change marker every `poll` seconds (SQLite's `data_version`) catches
        writers that did not announce. A database that cannot tell (marker
        None) is simply claimed from again. `due_in` is counted on this host's
        monotonic clock from the database's own reading, so a host whose wall
        clock is off neither spins nor oversleeps.
        """
        due = None if due_in is None else time.monotonic() + due_in
        while not self.ctx.stopping.is_set():
            timeout = poll
            if due is not None:
                timeout = max(0.0, min(poll, due - time.monotonic()))
            if await self.ctx.wake.wait(timeout):
                break
            if due is not None and time.monotonic() >= due:
                break
            if self.ctx.claimable_lanes().keys() != routes:
                break
            try:
                current = await self.ctx.bus.db.connector.change_marker()
            except errors.StorageError:
                return None  # claim again; the claim reports the failure
            if current is None or current != marker:
                return current
        return marker

    def _start_lanes(
        self, group: anyio.abc.TaskGroup, claim: Claim, routes: dict[Lane, int], seen: int | None
    ) -> None:
        """One task per lane run. A claim that took every lane in play, each whole (a
        run shorter than its batch), left nothing behind: its lanes, delivered whole with
        no wake-up since `seen`, end without another claim (`LaneRunner.run`); anything
        sent meanwhile woke the loop, and anything else makes them claim again."""
        self.stats.claims += 1
        by_lane: dict[Lane, list[Message]] = {}
        for message in claim.messages:
            by_lane.setdefault((message.to_agent, message.priority_rank), []).append(message)
        self.ctx.leases.hold(claim.token, (message.message_id for message in claim.messages))
        nothing_else = not claim.more and claim.lanes == len(by_lane) and claim.next_due_in is None
        for lane, messages in by_lane.items():
            whole = nothing_else and len(messages) < routes.get(lane, 1)
            self.ctx.lane_started(lane, len(messages))
            group.start_soon(
                self.lanes.run,
                claim.token,
                messages,
                claim.reclaimed,
                seen if whole else None,
                name=f"lane {lane[0]}/{lane[1]}",
            )


def start_side_tasks(dispatcher: Dispatcher, side: anyio.abc.TaskGroup, once: bool) -> None:
    """The tasks beside the claim loop; `once` (`run --once`) claims every lane it
    reaches, so it does not follow the other dispatchers."""
    ctx, options = dispatcher.ctx, dispatcher.options
    connector = ctx.bus.db.connector
    if options.listen:
        # this Bus's own sends set ctx.wake in process: no datagram to itself
        listening = partial(connector.listen, woken_in_process=True)
        side.start_soon(listening, ctx.wake.set, name="wake-up listener")
    side.start_soon(ctx.leases.loop, name="lease keeper")
    side.start_soon(dispatcher.heartbeat.loop, name="heartbeat")
    if not once:
        side.start_soon(follow_peers, ctx, options.peers_every, name="peers")
    side.start_soon(connector.upkeep, name="database upkeep")
    side.start_soon(sweep_expired, ctx, options.expiry_sweep, name="expiry sweep")
    if dispatcher.monitor is not None:
        side.start_soon(dispatcher.monitor.loop, name="monitor")
    if options.handle_signals:
        side.start_soon(stop_on_signals, dispatcher, name="signals")


async def stop_on_signals(dispatcher: Dispatcher) -> None:
    """SIGINT and SIGTERM stop the dispatcher gracefully."""
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            logger.info("received %s, stopping", signal.Signals(signum).name)
            dispatcher.stop()


async def sweep_expired(ctx: DispatchContext, interval: float) -> None:
    """Close waiting messages whose expiry passed, every `interval` seconds."""
    while True:
        try:
            with anyio.CancelScope(shield=True):  # a stop must not lose a committed count
                expired = await ctx.bus.db.claims.expire_waiting()
            ctx.stats.expired += expired  # not `+= await`: lanes count expiries meanwhile
        except errors.StorageError as exc:
            ctx.stats.errors += 1
            logger.warning("expiry sweep failed: %s", exc, extra={"action": "sweep_failed"})
        await anyio.sleep(interval)
