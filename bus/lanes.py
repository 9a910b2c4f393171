"""Delivering one lane: its messages in order, one at a time, through one transport.

A success is recorded before the next message when the transport is not
idempotent, or with the rest of the lane's run when it is. A non-idempotent
delivery (a paste) first commits an "attempt started" mark, so a crash between
paste and record leaves the message visibly uncertain: it is resent with a
"may repeat" header, or held, never pasted again blind. A failure records the attempt
(backoff, or dead letter after `max_retries`) and hands the rest of the lane
back, so later messages wait behind it: FIFO holds within a lane, and a
message that keeps failing blocks its lane only until it is dead-lettered.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field

import anyio

from swarmbus import errors
from swarmbus.agents.config import BusConfig
from swarmbus.bus import nudges
from swarmbus.bus.context import DispatchContext
from swarmbus.bus.health import DispatchStats
from swarmbus.bus.retry import backoff_delay
from swarmbus.bus.slots import PrioritySlots
from swarmbus.bus.transports.base import DeliveryRequest, DeliveryResult, Transport, TransportPaused
from swarmbus.model import render
from swarmbus.model.messages import Message
from swarmbus.storage.claims import Outcome

logger = logging.getLogger(__name__)

RESULT_COUNTERS = {"delivered": "delivered", "expired": "expired", "lost": "lost_claims"}


@dataclass
class LaneWork:
    """One claimed run of a lane, being delivered."""

    token: str
    lane: list[Message]
    reclaimed: frozenset[str]
    transport: Transport
    slots: PrioritySlots
    acks: list[Outcome] = field(default_factory=list)
    noticed: set[str] = field(default_factory=set)  # delivered inside an earlier message's notice
    delivered: int = 0  # outcomes the database recorded as delivered


class LaneRunner:
    """Runs lanes for one dispatcher."""

    def __init__(self, context: DispatchContext) -> None:
        self.ctx = context
        self.settings = context.bus.settings

    async def run(
        self, token: str, lane: list[Message], reclaimed: frozenset[str], quiet: int | None = None
    ) -> None:
        """Deliver one claimed lane run, holding one slot of its transport.

        The lease keeper has held the run's leases since the claim, and renews
        them while the lane waits for its slot as much as while it delivers.

        `quiet`: the claim left nothing behind (`DispatchContext.lane_finished`).
        """
        key = (lane[0].to_agent, lane[0].priority_rank)
        transport = self.ctx.route(self.ctx.bus.configured[lane[0].to_agent])
        work: LaneWork | None = None
        try:
            if transport is None:  # it became unavailable since the claim
                await self._release(token, lane)
                return
            slots = self.ctx.slots[transport.name]
            await slots.acquire(lane[0].delivery_order)
            try:
                work = LaneWork(token, lane, reclaimed, transport, slots)
                await self._deliver(work)
            finally:
                slots.release()
        except errors.StorageError as exc:
            # What this lane could not record stays claimed; its lease runs out
            # and the message is delivered again (at least once, never lost).
            self.ctx.write_failed(str(exc))
            self.ctx.stats.errors += 1
            logger.warning("lane %s/%s stopped: %s", *key, exc, extra={"action": "lane_failed"})
        finally:
            self.ctx.leases.drop(message.message_id for message in lane)
            whole = work is not None and work.delivered == len(lane)
            self.ctx.lane_finished(key, len(lane), quiet if whole else None)

    async def _deliver(self, work: LaneWork) -> None:
        for index, message in enumerate(work.lane):
            if message.message_id in work.noticed:
                continue
            if index:
                await work.slots.yield_to_better(message.delivery_order)
            if self.ctx.stopping.is_set() or self._lost(message):
                return await self._stop_early(work, index)
            if message.expires_at is not None and message.expires_at <= self.ctx.clock.now():
                durable = not work.transport.idempotent
                expired = Outcome(message.message_id, work.token, expired=True, durable=durable)
                work.acks.append(expired)
                continue
            if not work.transport.idempotent:
                verdict = await self._before_touching(work, message)
                if verdict == "held":
                    continue
                if verdict == "lost":
                    return await self._stop_early(work, index)
            companions = await nudges.companions(self, work, index)
            try:
                result, elapsed_ms = await self._attempt(work, message, companions)
            except TransportPaused as paused:
                log_pause(work.transport.name, paused)
                return await self._stop_early(work, index, touched=paused.touched)
            noticed = (message, *companions)  # one notice delivered them all: each is recorded
            if not all([await self._record(work, m, result, elapsed_ms) for m in noticed]):
                return await self._stop_early(work, index + len(noticed))
        await self._flush(work)
        return None

    def _lost(self, message: Message) -> bool:
        if not self.ctx.leases.is_lost(message.message_id):
            return False
        self.ctx.stats.lost_claims += 1
        return True

    async def _before_touching(self, work: LaneWork, message: Message) -> str:
        """For a delivery that cannot be repeated safely: 'go', 'held' or 'lost'.

        A message whose earlier attempt was cut off is held as a dead letter when
        its agent says `on_uncertain = "hold"`; otherwise the attempt mark is
        committed first, and only while the claim still holds the message.
        """
        await self._flush(work)
        leases = self.ctx.bus.db.leases
        agent = self.ctx.bus.configured[message.to_agent]
        if message.attempt_started_at is not None and agent.on_uncertain == "hold":
            self.ctx.leases.drop([message.message_id])
            reason = render.uncertain_reason(message)
            with anyio.CancelScope(shield=True):
                held = await leases.hold(message.message_id, work.token, reason)
            if held:
                self.ctx.stats.dead_lettered += 1
                logger.warning("message %s held: %s", message.message_id, reason)
            return "held"
        lease = self.settings.lease_seconds
        if await leases.begin_attempt(message.message_id, work.token, self.ctx.name, lease):
            return "go"
        logger.warning(
            "message %s: lease lost before delivery; another dispatcher has it",
            message.message_id,
            extra={"action": "lease_lost"},
        )
        self.ctx.leases.drop([message.message_id])
        self.ctx.stats.lost_claims += 1
        return "lost"

    async def _attempt(
        self, work: LaneWork, message: Message, companions: tuple[Message, ...] = ()
    ) -> tuple[DeliveryResult, int]:
        agent = self.ctx.bus.configured[message.to_agent]
        redelivery = message.message_id in work.reclaimed
        self.ctx.stats.redeliveries += redelivery
        request = DeliveryRequest(
            message, agent, redelivery, message.attempt_started_at, companions
        )
        started = time.perf_counter()
        try:
            result = await work.transport.deliver(request)
        except TransportPaused:
            raise
        except Exception as exc:  # a transport bug must not take the dispatcher down
            logger.exception("transport %s crashed on %s", work.transport.name, message.message_id)
            method = "pyautogui" if work.transport.name == "gui" else work.transport.name
            result = DeliveryResult(method=method, error=f"{type(exc).__name__}: {exc}")  # type: ignore[arg-type]
        return result, round((time.perf_counter() - started) * 1000)

    async def _record(
        self, work: LaneWork, message: Message, result: DeliveryResult, elapsed_ms: int
    ) -> bool:
        """Record one attempt; True to go on with the lane, False after a failure."""
        outcome = Outcome(
            message.message_id,
            work.token,
            elapsed_ms if result.ok else None,
            result.method,
            result.coordinates,
            result.coordinate_status,
            result.error,
            durable=not work.transport.idempotent,  # a repeat of it would repeat nothing
        )
        self.ctx.stats.record_attempt(result.ok, elapsed_ms)
        if result.ok and work.transport.idempotent:
            work.acks.append(outcome)
            return True
        await self._flush(work)
        if not result.ok:
            outcome = dataclasses.replace(outcome, retry_delay=retry_delay(self.settings, message))
        self.ctx.leases.drop([message.message_id])
        # What happened on the screen is recorded even when a shutdown's grace ran
        # out meanwhile: an unrecorded paste would be pasted again by the next run.
        with anyio.CancelScope(shield=True):
            settled = await self.ctx.settle.submit(outcome)
        work.delivered += settled == "delivered"
        count_results(self.ctx.stats, [settled], message, result.error)
        return result.ok

    async def _stop_early(self, work: LaneWork, index: int, *, touched: bool = False) -> None:
        await self._flush(work)
        rest = work.lane[index:]
        await self._release(work.token, rest, [rest[0].message_id] if touched and rest else [])

    async def _flush(self, work: LaneWork) -> None:
        if work.acks:
            acks, work.acks = work.acks, []
            self.ctx.leases.drop(ack.message_id for ack in acks)
            with anyio.CancelScope(shield=True):
                results = await self.ctx.settle.submit_many(acks)
            work.delivered += results.count("delivered")
            count_results(self.ctx.stats, results)

    async def _release(
        self, token: str, rest: list[Message], touched: list[str] | None = None
    ) -> None:
        if rest:
            ids = [m.message_id for m in rest]
            self.ctx.leases.drop(ids)
            with anyio.CancelScope(shield=True):
                released = await self.ctx.bus.db.claims.release(token, ids, touched or [])
            self.ctx.stats.released += released


def log_pause(transport: str, paused: TransportPaused) -> None:
    """The transport reports itself unavailable until a person resumes it."""
    logger.warning(
        "%s delivery paused: %s", transport, paused.reason, extra={"action": "transport_paused"}
    )


def count_results(
    stats: DispatchStats,
    results: list[str],
    message: Message | None = None,
    error: str | None = None,
) -> None:
    """Add settled outcomes to the dispatcher's counters; log each dead letter."""
    for result in results:
        if result in RESULT_COUNTERS:
            setattr(stats, RESULT_COUNTERS[result], getattr(stats, RESULT_COUNTERS[result]) + 1)
        elif result in ("retrying", "failed"):
            stats.failed_attempts += 1
        if result == "failed":
            stats.dead_lettered += 1
            if message is not None:
                logger.warning(
                    "message %s to %s dead-lettered: %s",
                    message.message_id,
                    message.to_agent,
                    error,
                    extra={"action": "dead_letter"},
                )


def retry_delay(settings: BusConfig, message: Message) -> float:
    """Seconds until the next attempt at a message that just failed."""
    return backoff_delay(
        message.retry_count + 1,
        base=settings.backoff_base_seconds,
        cap=settings.backoff_max_seconds,
        jitter=settings.backoff_jitter,
    )
