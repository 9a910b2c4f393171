"""Claiming and settling messages: the dispatcher's side of `agent_messages`.

Every message lives in a lane, (recipient, priority). A lane delivers in id
order, and ids increase in commit order (see `ids`), so a lane is FIFO in send
order. A claim takes, from each lane, the run of messages at its head that are
ready now, under one lease and one token; every later update names that token
and only touches rows the claim still holds.

Every time here comes from the database's clock (`now()` on PostgreSQL), never
the host's: a machine whose clock runs fast must not take over live leases or
deliver backed-off messages early.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from swarmbus.model import ids, timefmt
from swarmbus.model.messages import CoordinateStatus, DeliveryMethod, Message
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector, Row, Statements
from swarmbus.storage.rows import dump_json

Lane = tuple[str, int]  # (recipient, priority rank): the unit of FIFO delivery
_MESSAGES = TypeAdapter(list[Message])


@dataclass(frozen=True)
class Claim:
    """Messages taken under one lease, in delivery order.

    `next_due_in` is how many seconds after the claim a lane that was not ready
    becomes ready (a backoff ending or a lease running out); `more` says the
    claim stopped at its limit with more messages ready; `lanes` counts lanes
    with messages in play; `reclaimed` names messages taken over from an
    expired lease; `db_now` is the database's clock at the claim.
    """

    token: str
    messages: list[Message]
    next_due_in: float | None = None
    more: bool = False
    lanes: int = 0
    reclaimed: frozenset[str] = frozenset()
    db_now: datetime | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one claimed delivery went, as the dispatcher records it."""

    message_id: str
    claim_token: str
    delivery_time_ms: int | None = None
    delivery_method: DeliveryMethod | None = None
    coordinates: Mapping[str, Any] | None = None
    coordinate_validation_status: CoordinateStatus | None = None
    error: str | None = None
    retry_delay: float = 0.0  # seconds of backoff before the next attempt, after a failure
    expired: bool = False
    # False: a lost record only repeats a delivery that repeats nothing (an idempotent
    # transport), so PostgreSQL may commit it without waiting for the disk.
    durable: bool = True

    @property
    def delivered(self) -> bool:
        return self.error is None and not self.expired


@dataclass(frozen=True)
class _ReadyRuns:
    rows: list[Row]
    next_due_in: float | None
    lanes: int
    db_now: datetime


@dataclass(frozen=True, slots=True)
class _Request:
    """One claim's lanes, limit and query parameters (lane heads; taking them)."""

    lanes: Mapping[Lane, int]
    limit: int
    heads: dict[str, Any]
    take: dict[str, Any]


class ClaimRepository:
    """The SQL that claims, settles and releases messages (leases: `storage.leases`)."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def claim(
        self,
        lanes: Mapping[Lane, int],
        *,
        limit: int,
        lease_seconds: float,
        claimed_by: str,
    ) -> Claim:
        """Claim up to `limit` ready messages from the given lanes.

        :param lanes: (recipient, priority rank) -> how many messages of that
            lane may be claimed together (the transport's batch size).
        """
        token = ids.new_id()
        if not lanes or limit <= 0:
            return Claim(token, [])
        request = _Request(
            lanes,
            limit,
            {"lanes": json.dumps(sorted(lanes)), "per_lane": max(lanes.values())},
            _taking(token, lease_seconds, claimed_by),
        )
        rows, ready = await self._db.atomic(
            lambda tx: self._claim_within(tx, request),
            first=lambda db: _claim_first(db, self._q, request),
        )
        return Claim(token, []) if ready is None else _claim_of(token, rows, ready, limit)

    async def claim_announced(
        self, runs: Mapping[Lane, list[str]], *, lease_seconds: float, claimed_by: str
    ) -> Claim:
        """Take runs of announced messages without reading the lanes first: each run only
        if it is still exactly its lane's first messages in play, due and unlocked
        (`claim_runs`), for a dispatcher told of them (`storage.announcements`). The
        Claim says nothing of other lanes: `next_due_in` None, `lanes` the runs taken."""
        token = ids.new_id()
        taking = _taking(token, lease_seconds, claimed_by)
        # `first`: one statement, never retried (a claim's outcome may be unknown)
        rows = await self._db.atomic(
            lambda tx: _take_runs(tx, self._q, runs, taking),
            first=lambda db: _take_runs(db, self._q, runs, taking),
        )
        messages = sorted(_MESSAGES.validate_python(rows), key=lambda m: m.delivery_order)
        taken = {(m.to_agent, m.priority_rank) for m in messages}
        return Claim(token, messages, lanes=len(taken))

    async def _claim_within(
        self, tx: Statements, request: _Request
    ) -> tuple[list[Row], _ReadyRuns | None]:
        """The lane heads, then the ready ones taken: (claimed rows, the heads' readiness)."""
        ready = await _ready(tx, self._q, request)
        if ready is None or not ready.rows:
            return [], ready
        chosen = [row["message_id"] for row in ready.rows[: request.limit]]
        params = request.take | {"message_ids": json.dumps(chosen)}
        return await tx.fetch_all(self._q["claim_messages"], params), ready

    async def settle(self, outcomes: Sequence[Outcome]) -> list[str]:
        """Record deliveries, failed attempts and expiries in one transaction.

        Returns, per outcome, the message's new delivery status: 'delivered',
        'expired', 'retrying' or 'failed' (dead letter); or 'lost' when the
        claim no longer held the message (its lease ran out and another
        dispatcher took it), in which case nothing was written.
        """

        durable = any(o.durable for o in outcomes)

        async def settle_within(tx: Statements) -> list[str]:
            delivered = [o for o in outcomes if o.delivered]
            held = await self._mark_delivered(tx, delivered, durable)
            return [await self._settle_one(tx, outcome, held) for outcome in outcomes]

        async def only_deliveries(db: Statements) -> list[str] | None:
            # The common batch is one statement, atomic on its own: PostgreSQL then
            # needs no BEGIN and COMMIT round trips around it.
            return await settle_within(db) if all(o.delivered for o in outcomes) else None

        return await self._db.atomic(settle_within, first=only_deliveries)

    async def _mark_delivered(
        self, tx: Statements, outcomes: list[Outcome], durable: bool
    ) -> set[str]:
        if not outcomes:
            return set()
        outcomes_json = json.dumps([_delivered_json(o) for o in outcomes])
        if any(o.coordinates is not None for o in outcomes):
            query = self._q["mark_delivered"]
        else:
            query = self._q["mark_delivered_keeping_coordinates"]
        rows = await tx.fetch_all(query, {"outcomes": outcomes_json, "durable": durable})
        return {row["message_id"] for row in rows}

    async def _settle_one(self, tx: Statements, outcome: Outcome, held: set[str]) -> str:
        if outcome.delivered:
            return "delivered" if outcome.message_id in held else "lost"
        if outcome.expired:
            changed = await tx.execute(
                self._q["mark_expired"],
                {"message_id": outcome.message_id, "claim_token": outcome.claim_token},
            )
            return "expired" if changed else "lost"
        row = await tx.fetch_one(self._q["record_failure"], _failure_params(outcome))
        return "lost" if row is None else str(row["delivery_status"])

    async def release(
        self, token: str, message_ids: Sequence[str], touched: Sequence[str] = ()
    ) -> int:
        """Hand claimed messages back without counting an attempt.

        Their attempt marks are cleared, except on `touched`: messages whose
        delivery was cut off after it reached the screen, which stay uncertain.
        """
        if not message_ids:
            return 0
        params = {
            "message_ids": json.dumps(list(message_ids)),
            "touched": json.dumps(list(touched)),
            "claim_token": token,
        }
        return await self._db.atomic(lambda tx: tx.execute(self._q["release_claims"], params))

    async def expire_waiting(self) -> int:
        """Close every waiting message whose expiry passed; return how many."""
        return await self._db.atomic(lambda tx: tx.execute(self._q["expire_waiting"]))

    async def requeue(
        self,
        message_id: str | None = None,
        to_agent: str | None = None,
        requeued_by: str | None = None,
    ) -> list[str]:
        """Give dead letters fresh attempts: one by id, or all (of one recipient); the rows
        note `requeued_by` (who asked) and when."""
        async with self._db.transaction() as tx:
            if message_id is not None:
                params = {"message_id": message_id, "requeued_by": requeued_by}
                changed = await tx.execute(self._q["requeue_message"], params)
                requeued = [message_id] if changed else []
            else:
                params = {"to_agent": to_agent, "requeued_by": requeued_by}
                rows = await tx.fetch_all(self._q["requeue_all_failed"], params)
                requeued = sorted(row["message_id"] for row in rows)
            if requeued:
                await tx.announce()
        return requeued


async def _ready(db: Statements, q: Mapping[str, str], request: _Request) -> _ReadyRuns | None:
    heads = await db.fetch_all(q["lane_heads"], request.heads)
    return _ready_runs(heads, request.lanes) if heads else None


async def _claim_first(
    db: Statements, q: Mapping[str, str], request: _Request
) -> tuple[list[Row], _ReadyRuns | None] | None:
    """A plain read first: when no lane is ready, the claim ends without taking the
    write lock (a lane finishing wakes the claim loop, mostly to find nothing).

    On PostgreSQL the runs it found are taken in one more statement, each only if its
    lane did not change in between. None: the claim runs as a transaction
    (`_claim_within`), as on SQLite, whose `claim_runs` checks a run id by id: right for
    the few messages an announcement names, quadratic in a full claim's batch (512 ids
    of one lane: 50 ms, against 7.6 for `claim_messages`).
    """
    ready = await _ready(db, q, request)
    if ready is None or not ready.rows:
        return [], ready
    if db.dialect != "postgres":
        return None
    runs: dict[Lane, list[str]] = {}
    for row in ready.rows[: request.limit]:
        runs.setdefault((row["to_agent"], row["priority_rank"]), []).append(row["message_id"])
    return await _take_runs(db, q, runs, request.take), ready


async def _take_runs(
    db: Statements, q: Mapping[str, str], runs: Mapping[Lane, list[str]], taking: dict[str, Any]
) -> list[Row]:
    """`claim_runs`: each lane's run taken if it is still the lane's ready head."""
    listed = [[agent, rank, list(run)] for (agent, rank), run in runs.items()]
    return await db.fetch_all(q["claim_runs"], taking | {"runs": json.dumps(listed)})


def _taking(token: str, lease_seconds: float, claimed_by: str) -> dict[str, Any]:
    """The parameters every statement that takes messages under a lease shares."""
    return {"lease_seconds": float(lease_seconds), "claim_token": token, "claimed_by": claimed_by}


def _claim_of(token: str, rows: list[Row], ready: _ReadyRuns, limit: int) -> Claim:
    messages = sorted(_MESSAGES.validate_python(rows), key=lambda m: m.delivery_order)
    chosen = ready.rows[:limit]
    reclaimed = frozenset(r["message_id"] for r in chosen if r["delivery_status"] == "claimed")
    # a lane left alone because it changed since it was read is looked at again at once
    more = len(ready.rows) > limit or len(rows) < len(chosen)
    return Claim(token, messages, ready.next_due_in, more, ready.lanes, reclaimed, ready.db_now)


def _ready_runs(heads: list[Row], batch: Mapping[Lane, int]) -> _ReadyRuns:
    """From each lane's head rows, keep the leading run that is ready now (by the
    database's clock, which every row carries as `db_now`). The heads are read
    without row locks (on PostgreSQL `claim_runs` then takes each run only if it is
    still its lane's head, unlocked by any other claim), so every lane's first row
    is its true head.
    """
    now_text = heads[0]["db_now"]
    lanes: dict[Lane, list[Row]] = {}
    for row in heads:
        lanes.setdefault((row["to_agent"], row["priority_rank"]), []).append(row)
    chosen: list[Row] = []
    next_due: str | None = None
    for lane, rows in lanes.items():
        rows.sort(key=lambda r: r["message_id"])
        for row in rows[: batch.get(lane, 1)]:
            due = _due(row)
            if due > now_text:
                next_due = due if next_due is None else min(next_due, due)
                break
            chosen.append(row)
    chosen.sort(key=lambda r: (r["priority_rank"], r["message_id"]))
    due_in = None
    if next_due is not None:
        due_in = (_time(next_due) - _time(now_text)).total_seconds()
    return _ReadyRuns(chosen, due_in, len(lanes), _time(now_text))


def _time(text: str) -> datetime:
    return timefmt.from_text(text)


def _due(row: Row) -> str:
    """When a row in play can be claimed: its lease's end if claimed, else its ready time."""
    return row["lease_expires_at"] if row["delivery_status"] == "claimed" else row["available_at"]


def _delivered_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "id": outcome.message_id,
        "token": outcome.claim_token,
        "ms": outcome.delivery_time_ms,
        "method": outcome.delivery_method,
        "coordinates": dict(outcome.coordinates) if outcome.coordinates is not None else None,
        "cvs": outcome.coordinate_validation_status,
    }


def _failure_params(outcome: Outcome) -> dict[str, Any]:
    return {
        "message_id": outcome.message_id,
        "claim_token": outcome.claim_token,
        "last_error": outcome.error,
        "retry_delay": float(outcome.retry_delay),
        "pyautogui_coordinates": dump_json(dict(outcome.coordinates))
        if outcome.coordinates is not None
        else None,
        "coordinate_validation_status": outcome.coordinate_validation_status,
    }
