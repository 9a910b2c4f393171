"""Delivering one lane: its messages in order, one at a time, through one transport.

A success is recorded before the next message when the transport is not
idempotent (so a crash can duplicate only the message being delivered), or
with the rest of the lane's run when it is. A failure records the attempt
(backoff, or dead letter after `max_retries`) and hands the rest of the lane
back, so later messages wait behind it: FIFO holds within a lane, and a
message that keeps failing blocks its lane only until it is dead-lettered.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

import anyio

from swarmbus import errors
from swarmbus.agents.config import BusConfig
from swarmbus.bus.context import DispatchContext
from swarmbus.bus.retry import backoff_delay
from swarmbus.bus.slots import PrioritySlots
from swarmbus.bus.transports.base import DeliveryRequest, DeliveryResult, Transport, TransportPaused
from swarmbus.storage import timefmt
from swarmbus.storage.claims import Outcome
from swarmbus.storage.messages import Message

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
    renewed_at: float = field(default_factory=time.monotonic)


class LaneRunner:
    """Runs lanes for one dispatcher."""

    def __init__(self, context: DispatchContext) -> None:
        self.ctx = context
        self.settings = context.bus.settings

    async def run(self, token: str, lane: list[Message], reclaimed: frozenset[str]) -> None:
        """Deliver one claimed lane run, holding one slot of its transport."""
        key = (lane[0].to_agent, lane[0].priority_rank)
        transport = self.ctx.route(self.ctx.bus.agents[lane[0].to_agent])
        try:
            if transport is None:  # it became unavailable since the claim
                await self._release(token, lane)
                return
            slots = self.ctx.slots[transport.name]
            await slots.acquire(lane[0].delivery_order)
            try:
                await self._deliver(LaneWork(token, lane, reclaimed, transport, slots))
            finally:
                slots.release()
        except errors.StorageError as exc:
            # What this lane could not record stays claimed; its lease runs out
            # and the message is delivered again (at least once, never lost).
            self.ctx.db_error = True
            self.ctx.stats.errors += 1
            logger.warning("lane %s/%s stopped: %s", *key, exc, extra={"action": "lane_failed"})
        finally:
            self.ctx.lane_finished(key, len(lane))

    async def _deliver(self, work: LaneWork) -> None:
        for index, message in enumerate(work.lane):
            if index:
                await work.slots.yield_to_better(message.delivery_order)
            if self.ctx.stopping.is_set():
                return await self._stop_early(work, index)
            await self._keep_lease(work, index)
            if message.expires_at is not None and message.expires_at <= timefmt.utcnow():
                work.acks.append(Outcome(message.message_id, work.token, expired=True))
                continue
            try:
                result, elapsed_ms = await self._attempt(work, message)
            except TransportPaused as paused:
                # the transport reports itself unavailable until a person resumes it
                logger.warning(
                    "%s delivery paused: %s",
                    work.transport.name,
                    paused.reason,
                    extra={"action": "transport_paused"},
                )
                return await self._stop_early(work, index)
            if not await self._record(work, message, result, elapsed_ms):
                return await self._stop_early(work, index + 1)
        await self._flush(work.acks)
        return None

    async def _attempt(self, work: LaneWork, message: Message) -> tuple[DeliveryResult, int]:
        agent = self.ctx.bus.agents[message.to_agent]
        redelivery = message.message_id in work.reclaimed
        self.ctx.stats.redeliveries += redelivery
        started = time.perf_counter()
        try:
            result = await work.transport.deliver(DeliveryRequest(message, agent, redelivery))
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
        )
        self.ctx.stats.record_attempt(result.ok, elapsed_ms)
        if result.ok and work.transport.idempotent:
            work.acks.append(outcome)
            return True
        await self._flush(work.acks)
        if result.ok:
            self._count([await self.ctx.settle.submit(outcome)])
            return True
        retry_at = timefmt.utcnow() + timedelta(seconds=retry_delay(self.settings, message))
        settled = await self.ctx.settle.submit(dataclasses.replace(outcome, retry_at=retry_at))
        self._count([settled], message, result.error)
        return False

    async def _keep_lease(self, work: LaneWork, index: int) -> None:
        """Renew the lease of a long lane before a third of it is left."""
        if time.monotonic() - work.renewed_at < self.settings.lease_seconds / 3:
            return
        rest = [m.message_id for m in work.lane[index:]]
        await self.ctx.bus.db.claims.renew(work.token, rest, self.settings.lease_seconds)
        work.renewed_at = time.monotonic()

    async def _stop_early(self, work: LaneWork, index: int) -> None:
        await self._flush(work.acks)
        await self._release(work.token, work.lane[index:])

    async def _flush(self, acks: list[Outcome]) -> None:
        if acks:
            results = await self.ctx.settle.submit_many(acks)
            acks.clear()
            self._count(results)

    async def _release(self, token: str, rest: list[Message]) -> None:
        if rest:
            with anyio.CancelScope(shield=True):
                released = await self.ctx.bus.db.claims.release(token, [m.message_id for m in rest])
            self.ctx.stats.released += released

    def _count(
        self, results: list[str], message: Message | None = None, error: str | None = None
    ) -> None:
        stats = self.ctx.stats
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
