"""The dispatcher: claims ready messages under a lease and delivers them.

One claim loop takes, for every lane (recipient, priority), the run of ready
messages at its head, and starts one lane task per lane; a lane task delivers
its messages in order, one at a time, through the recipient's transport. A
failure records the attempt (backoff, or dead letter after `max_retries`) and
hands the rest of the lane back, so later messages wait behind it: FIFO holds
within a lane, and a message that keeps failing blocks its lane only until it
is dead-lettered. Higher priorities are separate lanes and may overtake.

Side tasks (wake-up listener, heartbeat, expiry sweep, signal handler) run in
one task group: if any of them dies, the dispatcher stops.
"""

from __future__ import annotations

import dataclasses
import logging
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio
import anyio.abc

from swarmbus import errors
from swarmbus.agents.config import AgentConfig
from swarmbus.agents.registry import this_host
from swarmbus.bus import wakeup
from swarmbus.bus.api import Bus
from swarmbus.bus.batching import GroupCommit
from swarmbus.bus.health import DispatchStats, messaging_status
from swarmbus.bus.retry import backoff_delay
from swarmbus.bus.slots import PrioritySlots
from swarmbus.bus.transports.base import DeliveryRequest, DeliveryResult, Transport, TransportPaused
from swarmbus.storage import timefmt
from swarmbus.storage.messages import PRIORITIES, Lane, Message, Outcome
from swarmbus.storage.systems import SystemState

logger = logging.getLogger(__name__)

MAX_IN_FLIGHT = 1024  # claimed messages held at once
IDLE_POLL = 0.25  # seconds between checks for writers that did not notify
NO_SOCKET_POLL = 0.01  # seconds, when no wake-up socket could be bound
EXPIRY_SWEEP = 5.0  # seconds between sweeps of expired waiting messages
STOP_GRACE = 10.0  # seconds in-flight deliveries get to finish on shutdown


@dataclass(frozen=True)
class DispatcherOptions:
    """Tunables beyond the swarm config; the defaults suit a desktop swarm."""

    name: str | None = None
    max_in_flight: int = MAX_IN_FLIGHT
    idle_poll: float = IDLE_POLL
    expiry_sweep: float = EXPIRY_SWEEP
    stop_grace: float = STOP_GRACE
    handle_signals: bool = False
    wake_socket: bool = True  # False: rely on polling PRAGMA data_version alone


class Dispatcher:
    """Delivers the messages of one swarm through the given transports.

    :param bus: the open bus (database, agents, settings).
    :param transports: transport name ("gui", "inbox", "memory") -> transport.
        Agents whose transport is missing or unavailable are not served:
        their messages wait.
    """

    def __init__(
        self,
        bus: Bus,
        transports: Mapping[str, Transport],
        options: DispatcherOptions | None = None,
    ) -> None:
        self.bus = bus
        self.transports = dict(transports)
        self.options = options or DispatcherOptions()
        self.host = this_host()
        self.name = self.options.name or f"messaging@{self.host}"
        self.stats = DispatchStats()
        self._settings = bus.settings
        self._slots = {name: PrioritySlots(t.concurrency) for name, t in transports.items()}
        self._settle: GroupCommit[Outcome, str] = GroupCommit(bus.db.messages.settle)
        self._wake = bus.sent
        self._stopping = anyio.Event()
        self._in_flight = 0
        self._busy: set[Lane] = set()  # lanes with a delivery task running here
        self._idle = anyio.Event()
        self._idle.set()
        self._started_at = timefmt.utcnow()
        self._db_error = False

    # ------------------------------------------------------------ lifecycle

    def stop(self) -> None:
        """Stop claiming; in-flight lanes finish their current message and hand back the rest."""
        self._stopping.set()
        self._wake.set()

    async def run(self, *, once: bool = False) -> DispatchStats:
        """Deliver until stopped (or, with `once`, until nothing is left to deliver)."""
        listener = wakeup.Listener(self.bus.db.location)
        has_socket = self.options.wake_socket and listener.open()
        poll = self.options.idle_poll if has_socket else min(self.options.idle_poll, NO_SOCKET_POLL)
        logger.info("dispatcher %s started", self.name, extra={"action": "dispatcher_start"})
        try:
            async with anyio.create_task_group() as side:
                side.start_soon(listener.serve, self._wake, name="wake-up listener")
                side.start_soon(self._heartbeat_loop, name="heartbeat")
                side.start_soon(self._sweep_loop, name="expiry sweep")
                if self.options.handle_signals:
                    side.start_soon(self._signal_loop, name="signals")
                async with anyio.create_task_group() as lanes:
                    await self._claim_loop(lanes, once=once, poll=poll)
                    with anyio.move_on_after(self.options.stop_grace):
                        await self._idle.wait()
                    lanes.cancel_scope.cancel()  # leases of what is left expire
                side.cancel_scope.cancel()
        finally:
            listener.close()
            with anyio.CancelScope(shield=True):
                await self._heartbeat("inactive", "stopped")
        logger.info("dispatcher %s stopped", self.name, extra={"action": "dispatcher_stop"})
        return self.stats

    async def _signal_loop(self) -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for signum in signals:
                logger.info("received %s, stopping", signal.Signals(signum).name)
                self.stop()

    # ------------------------------------------------------------ claiming

    def route(self, agent: AgentConfig) -> Transport | None:
        """The transport that can deliver to `agent` now: its own, else its fallback."""
        for name in (agent.transport, agent.fallback):
            transport = self.transports.get(name) if name else None
            if transport is not None and transport.unavailable_reason() is None:
                return transport
        return None

    def claimable_lanes(self) -> dict[Lane, int]:
        """Lanes worth claiming from now -> the batch size of their transport.

        Lanes of agents no transport can reach are left out (their messages
        wait), and so are lanes this dispatcher is delivering already.
        """
        lanes = {}
        for agent in self.bus.agents.values():
            transport = self.route(agent)
            if transport is None:
                continue
            for rank in range(len(PRIORITIES)):
                if (agent.name, rank) not in self._busy:
                    lanes[(agent.name, rank)] = transport.batch_size
        return lanes

    async def _claim_loop(self, lanes: anyio.abc.TaskGroup, *, once: bool, poll: float) -> None:
        data_version: int | None = None
        while not self._stopping.is_set():
            room = self.options.max_in_flight - self._in_flight
            idle_before = self._in_flight == 0  # the claim below then saw every lane
            claim = await self.bus.db.messages.claim(
                self.claimable_lanes(),
                limit=room,
                lease_seconds=self._settings.lease_seconds,
                claimed_by=self.name,
            )
            if claim.messages:
                self.stats.claims += 1
                self._start_lanes(lanes, claim.token, claim.messages, claim.reclaimed)
                if claim.more and room > len(claim.messages):
                    continue
            elif once and idle_before and claim.lanes == 0 and self._in_flight == 0:
                return
            data_version = await self._idle_until_work(claim.next_due, poll, data_version)

    async def _idle_until_work(
        self, due: datetime | None, poll: float, data_version: int | None
    ) -> int | None:
        """Sleep until woken, until `due`, or until another process wrote something.

        Senders wake us through the socket; checking `PRAGMA data_version` (it
        changes when another connection commits) every `poll` seconds catches
        writers that did not.
        """
        while not self._stopping.is_set():
            timeout = poll
            if due is not None:
                timeout = max(0.0, min(poll, (due - timefmt.utcnow()).total_seconds()))
            if await self._wake.wait(timeout):
                break
            if due is not None and timefmt.utcnow() >= due:
                break
            current = await self.bus.db.connector.pragma("data_version")
            if current != data_version:
                return current
        return data_version

    def _start_lanes(
        self,
        group: anyio.abc.TaskGroup,
        token: str,
        messages: list[Message],
        reclaimed: frozenset[str],
    ) -> None:
        by_lane: dict[tuple[str, int], list[Message]] = {}
        for message in messages:
            by_lane.setdefault((message.to_agent, message.priority_rank), []).append(message)
        for (agent, rank), lane in by_lane.items():
            self._busy.add((agent, rank))
            self._in_flight += len(lane)
            self._idle = anyio.Event() if self._idle.is_set() else self._idle
            group.start_soon(self._run_lane, token, lane, reclaimed, name=f"lane {agent}/{rank}")

    # ------------------------------------------------------------ delivering

    async def _run_lane(self, token: str, lane: list[Message], reclaimed: frozenset[str]) -> None:
        transport = self.route(self.bus.agents[lane[0].to_agent])
        if transport is None:  # it became unavailable since the claim
            self._busy.discard((lane[0].to_agent, lane[0].priority_rank))
            self._in_flight -= len(lane)
            await self._release(token, lane)
            return
        slots = self._slots[transport.name]
        await slots.acquire(_key(lane[0]))
        try:
            await self._deliver_lane(token, lane, reclaimed, transport, slots)
        except errors.StorageError:
            self._db_error = True
            self.stats.errors += 1
            raise
        finally:
            slots.release()
            self._busy.discard((lane[0].to_agent, lane[0].priority_rank))
            self._in_flight -= len(lane)
            if self._in_flight == 0:
                self._idle.set()
            self._wake.set()  # the lane's next messages may be ready now

    async def _deliver_lane(
        self,
        token: str,
        lane: list[Message],
        reclaimed: frozenset[str],
        transport: Transport,
        slots: PrioritySlots,
    ) -> None:
        """Deliver a lane's messages in order, holding one of its transport's slots."""
        acks: list[Outcome] = []
        claimed_at = time.monotonic()
        for index, message in enumerate(lane):
            if index:
                await slots.yield_to_better(_key(message))
            if self._stopping.is_set():
                await self._flush(acks)
                await self._release(token, lane[index:])
                return
            claimed_at = await self._keep_lease(token, lane[index:], claimed_at)
            if message.expires_at is not None and message.expires_at <= timefmt.utcnow():
                acks.append(Outcome(message.message_id, token, expired=True))
                continue
            agent = self.bus.agents[message.to_agent]
            redelivery = message.message_id in reclaimed
            try:
                result, elapsed_ms = await self._attempt(transport, message, agent, redelivery)
            except TransportPaused as paused:
                # the transport reports itself unavailable until a person resumes it
                logger.warning(
                    "%s delivery paused: %s",
                    transport.name,
                    paused.reason,
                    extra={"action": "transport_paused"},
                )
                await self._flush(acks)
                await self._release(token, lane[index:])
                return
            self.stats.redeliveries += redelivery
            outcome = _outcome(token, message, result, elapsed_ms)
            if result.ok:
                self.stats.record_attempt(True, elapsed_ms)
                if transport.idempotent:
                    acks.append(outcome)
                else:
                    await self._flush(acks)
                    self._count(await self._settle.submit(outcome))
                continue
            self.stats.record_attempt(False)
            await self._flush(acks)
            retry_at = timefmt.utcnow() + timedelta(seconds=self._backoff(message))
            failed = dataclasses.replace(outcome, retry_at=retry_at)
            self._count(await self._settle.submit(failed), message, result.error)
            await self._release(token, lane[index + 1 :])
            return
        await self._flush(acks)

    async def _attempt(
        self, transport: Transport, message: Message, agent: AgentConfig, redelivery: bool
    ) -> tuple[DeliveryResult, int]:
        started = time.perf_counter()
        try:
            result = await transport.deliver(DeliveryRequest(message, agent, redelivery))
        except TransportPaused:
            raise
        except Exception as exc:  # a transport bug must not take the dispatcher down
            logger.exception("transport %s crashed on %s", transport.name, message.message_id)
            result = DeliveryResult(method=_method(transport), error=f"{type(exc).__name__}: {exc}")
        return result, round((time.perf_counter() - started) * 1000)

    def _backoff(self, message: Message) -> float:
        return backoff_delay(
            message.retry_count + 1,
            base=self._settings.backoff_base_seconds,
            cap=self._settings.backoff_max_seconds,
            jitter=self._settings.backoff_jitter,
        )

    async def _keep_lease(self, token: str, rest: list[Message], claimed_at: float) -> float:
        """Renew the lease of a long lane before a third of it is left."""
        if time.monotonic() - claimed_at < self._settings.lease_seconds / 3:
            return claimed_at
        await self.bus.db.messages.renew(
            token, [m.message_id for m in rest], self._settings.lease_seconds
        )
        return time.monotonic()

    async def _flush(self, acks: list[Outcome]) -> None:
        if acks:
            results = await self._settle.submit_many(acks)
            acks.clear()
            self._count(results)

    async def _release(self, token: str, rest: list[Message]) -> None:
        if rest:
            with anyio.CancelScope(shield=True):
                self.stats.released += await self.bus.db.messages.release(
                    token, [m.message_id for m in rest]
                )

    def _count(
        self, results: list[str] | str, message: Message | None = None, error: str | None = None
    ) -> None:
        for result in [results] if isinstance(results, str) else results:
            if result == "delivered":
                self.stats.delivered += 1
            elif result == "expired":
                self.stats.expired += 1
            elif result == "lost":
                self.stats.lost_claims += 1
            elif result == "retrying":
                self.stats.failed_attempts += 1
            elif result == "failed":
                self.stats.failed_attempts += 1
                self.stats.dead_lettered += 1
                if message is not None:
                    logger.warning(
                        "message %s to %s dead-lettered: %s",
                        message.message_id,
                        message.to_agent,
                        error,
                        extra={"action": "dead_letter"},
                    )

    # ------------------------------------------------------------ side tasks

    async def _sweep_loop(self) -> None:
        while True:
            expired = await self.bus.db.messages.expire_waiting()
            self.stats.expired += expired
            await anyio.sleep(self.options.expiry_sweep)

    async def _heartbeat_loop(self) -> None:
        while True:
            await self._heartbeat("active", self._detail())
            await anyio.sleep(self._settings.heartbeat_seconds)

    def _detail(self) -> str:
        problems = [
            f"{name} {state}"
            for name, state in self.transport_states().items()
            if state != "available"
        ]
        return "; ".join(problems) or f"delivering ({self._in_flight} in flight)"

    def transport_states(self) -> dict[str, str]:
        """transport name -> 'available' or 'unavailable: <reason>'."""
        states = {}
        for name, transport in self.transports.items():
            reason = transport.unavailable_reason()
            states[name] = "available" if reason is None else f"unavailable: {reason}"
        return states

    async def _heartbeat(self, state: SystemState, detail: str) -> None:
        try:
            depth = await self.bus.db.messages.queue_depth()
            await self.bus.db.systems.heartbeat(
                messaging_status(
                    system_id=self.name,
                    host=self.host,
                    state=state,
                    stats=self.stats,
                    queue_depth=depth,
                    in_flight=self._in_flight,
                    transports=self.transport_states(),
                    configuration=self._configuration(),
                    interval=self._settings.heartbeat_seconds,
                    started_at=self._started_at,
                    detail=detail,
                    db_error=self._db_error,
                )
            )
        except errors.StorageError as exc:
            self.stats.errors += 1
            logger.warning("heartbeat failed: %s", exc, extra={"action": "heartbeat_failed"})

    def _configuration(self) -> dict[str, Any]:
        settings = self._settings
        return {
            "lease_seconds": settings.lease_seconds,
            "max_retries": settings.max_retries,
            "backoff_base_seconds": settings.backoff_base_seconds,
            "backoff_max_seconds": settings.backoff_max_seconds,
            "max_in_flight": self.options.max_in_flight,
            "agents": len(self.bus.agents),
        }


def _key(message: Message) -> tuple[int, str]:
    return (message.priority_rank, message.message_id)


def _method(transport: Transport) -> Any:
    return {"gui": "pyautogui"}.get(transport.name, transport.name)


def _outcome(token: str, message: Message, result: DeliveryResult, elapsed_ms: int) -> Outcome:
    return Outcome(
        message_id=message.message_id,
        claim_token=token,
        delivery_time_ms=elapsed_ms if result.ok else None,
        delivery_method=result.method,
        coordinates=result.coordinates,
        coordinate_validation_status=result.coordinate_status,
        error=result.error,
    )
