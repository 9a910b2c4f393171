"""The `agent_messages` table: storing, claiming and settling messages.

Every message lives in a lane, (recipient, priority). A lane delivers in id
order, and ids increase in commit order (see `ids`), so a lane is FIFO in send
order. A claim takes, from each lane, the run of messages at its head that are
ready now, under one lease and one token; every later update names that token
and only touches rows the claim still holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from swarmbus.storage import ids, timefmt
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector, Row
from swarmbus.storage.types import JsonList, JsonObject, UtcTime, dump_json

Priority = Literal["urgent", "high", "normal", "low"]
PRIORITIES: tuple[Priority, ...] = ("urgent", "high", "normal", "low")
DeliveryStatus = Literal["pending", "claimed", "retrying", "delivered", "failed", "expired"]
DELIVERY_STATUSES: tuple[DeliveryStatus, ...] = (
    "pending",
    "claimed",
    "retrying",
    "delivered",
    "failed",
    "expired",
)
ACTIVE_STATUSES = frozenset({"pending", "claimed", "retrying"})
DeliveryMethod = Literal["pyautogui", "pyautogui_typing", "inbox", "memory"]
CoordinateStatus = Literal[
    "pending", "valid", "off_screen", "title_mismatch", "unverified", "not_applicable"
]


class Message(BaseModel):
    """One row of `agent_messages`."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    from_agent: str
    to_agent: str
    priority: Priority
    tags: JsonList | None = None
    content: str
    sent_at: UtcTime
    processed_at: UtcTime | None = None
    status: Literal["pending", "delivered", "failed", "expired"]
    pyautogui_coordinates: JsonObject | None = None
    delivery_method: DeliveryMethod | None = None
    delivery_status: DeliveryStatus
    retry_count: int = 0
    max_retries: int = 3
    delivery_time_ms: int | None = None
    coordinate_validation_status: CoordinateStatus | None = None
    available_at: UtcTime
    lease_expires_at: UtcTime | None = None
    claim_token: str | None = None
    claimed_by: str | None = None
    last_error: str | None = None
    idempotency_key: str | None = None
    broadcast_id: str | None = None
    expires_at: UtcTime | None = None
    created_at: UtcTime
    priority_rank: int


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message about to be stored (validated by the bus already)."""

    from_agent: str
    to_agent: str
    content: str
    priority: Priority = "normal"
    tags: tuple[str, ...] = ()
    delivery_method: DeliveryMethod = "inbox"
    coordinate_validation_status: CoordinateStatus = "not_applicable"
    max_retries: int = 3
    idempotency_key: str | None = None
    broadcast_id: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Stored:
    """The outcome of storing one message: its id, and whether it was new."""

    message_id: str
    created: bool


@dataclass(frozen=True)
class Claim:
    """Messages taken under one lease, in delivery order.

    `next_due` is the earliest moment a lane that was not ready becomes ready
    (a backoff ending or a lease running out); `more` says the claim stopped at
    its limit with more messages ready; `lanes` counts lanes with messages in
    play; `reclaimed` names messages taken over from an expired lease, whose
    earlier delivery may have landed.
    """

    token: str
    messages: list[Message]
    next_due: datetime | None = None
    more: bool = False
    lanes: int = 0
    reclaimed: frozenset[str] = frozenset()


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
    retry_at: datetime | None = None
    expired: bool = False


class MessageRepository:
    """All SQL on `agent_messages`."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    # ------------------------------------------------------------ storing

    async def insert(self, messages: Sequence[NewMessage]) -> list[Stored]:
        """Store messages in one transaction; return their ids in input order.

        A message whose (sender, idempotency key) is already stored, or appears
        earlier in the same batch, is not stored again: it gets the first id.
        """
        now = timefmt.now_text()
        async with self._db.transaction() as tx:
            known = await self._known_keys(tx, messages)
            row = await tx.fetch_one(self._q["max_message_id"])
            fresh = ids.new_ids(len(messages), after=row["message_id"] if row else None)
            results: list[Stored] = []
            params: list[dict[str, Any]] = []
            for message, message_id in zip(messages, fresh, strict=True):
                key = (message.from_agent, message.idempotency_key)
                if message.idempotency_key is not None and key in known:
                    results.append(Stored(known[key], created=False))
                    continue
                if message.idempotency_key is not None:
                    known[key] = message_id
                results.append(Stored(message_id, created=True))
                params.append(_insert_params(message, message_id, now))
            if params:
                await tx.execute_many(self._q["insert_message"], params)
        return results

    async def _known_keys(
        self, tx: Any, messages: Sequence[NewMessage]
    ) -> dict[tuple[str, str | None], str]:
        by_sender: dict[str, set[str]] = {}
        for message in messages:
            if message.idempotency_key is not None:
                by_sender.setdefault(message.from_agent, set()).add(message.idempotency_key)
        known: dict[tuple[str, str | None], str] = {}
        for sender, keys in by_sender.items():
            rows = await tx.fetch_all(
                self._q["find_idempotent"],
                {"from_agent": sender, "keys": json.dumps(sorted(keys))},
            )
            for row in rows:
                known[(sender, row["idempotency_key"])] = row["message_id"]
        return known

    # ------------------------------------------------------------ claiming

    async def claim(
        self,
        agents: Mapping[str, int],
        *,
        limit: int,
        lease_seconds: float,
        claimed_by: str,
        now: datetime | None = None,
    ) -> Claim:
        """Claim up to `limit` ready messages for the given agents.

        :param agents: recipient name -> how many messages of one lane may be
            claimed together (the transport's batch size).
        """
        token = ids.new_id()
        if not agents or limit <= 0:
            return Claim(token, [])
        moment = now or timefmt.utcnow()
        now_text = timefmt.to_text(moment)
        async with self._db.transaction() as tx:
            heads = await tx.fetch_all(
                self._q["lane_heads"],
                {"agents": json.dumps(sorted(agents)), "per_lane": max(agents.values())},
            )
            chosen, next_due, lanes = _ready_runs(heads, agents, now_text)
            more = len(chosen) > limit
            chosen = chosen[:limit]
            if not chosen:
                return Claim(token, [], _parse(next_due), False, lanes)
            rows = await tx.fetch_all(
                self._q["claim_messages"],
                {
                    "message_ids": json.dumps([row["message_id"] for row in chosen]),
                    "lease_expires_at": timefmt.text_after(lease_seconds, moment),
                    "claim_token": token,
                    "claimed_by": claimed_by,
                },
            )
        messages = sorted(
            (Message.model_validate(row) for row in rows),
            key=lambda m: (m.priority_rank, m.message_id),
        )
        reclaimed = frozenset(r["message_id"] for r in chosen if r["delivery_status"] == "claimed")
        return Claim(token, messages, _parse(next_due), more, lanes, reclaimed)

    async def renew(self, token: str, message_ids: Sequence[str], lease_seconds: float) -> int:
        """Extend the lease on messages this claim still holds; return how many."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                self._q["renew_leases"],
                {
                    "message_ids": json.dumps(list(message_ids)),
                    "claim_token": token,
                    "lease_expires_at": timefmt.text_after(lease_seconds),
                },
            )

    # ------------------------------------------------------------ settling

    async def settle(self, outcomes: Sequence[Outcome]) -> list[str]:
        """Record deliveries, failed attempts and expiries in one transaction.

        Returns, per outcome, the message's new delivery status: 'delivered',
        'expired', 'retrying' or 'failed' (dead letter); or 'lost' when the
        claim no longer held the message (its lease ran out and another
        dispatcher took it), in which case nothing was written.
        """
        now = timefmt.now_text()
        results: list[str] = []
        async with self._db.transaction() as tx:
            delivered = [o for o in outcomes if o.error is None and not o.expired]
            held: set[str] = set()
            if delivered:
                rows = await tx.fetch_all(
                    self._q["claim_holders"],
                    {"message_ids": json.dumps([o.message_id for o in delivered])},
                )
                tokens = {row["message_id"]: row["claim_token"] for row in rows}
                held = {
                    o.message_id for o in delivered if tokens.get(o.message_id) == o.claim_token
                }
                await tx.execute_many(
                    self._q["mark_delivered"],
                    [_outcome_params(o, now) for o in delivered if o.message_id in held],
                )
            for outcome in outcomes:
                if outcome.expired:
                    changed = await tx.execute(
                        self._q["mark_expired"],
                        {
                            "message_id": outcome.message_id,
                            "claim_token": outcome.claim_token,
                            "now": now,
                        },
                    )
                    results.append("expired" if changed else "lost")
                elif outcome.error is not None:
                    row = await tx.fetch_one(
                        self._q["record_failure"],
                        {
                            **_outcome_params(outcome, now),
                            "last_error": outcome.error,
                            "now": now,
                            "retry_at": timefmt.to_text(outcome.retry_at or timefmt.utcnow()),
                        },
                    )
                    results.append("lost" if row is None else row["delivery_status"])
                else:
                    results.append("delivered" if outcome.message_id in held else "lost")
        return results

    async def expire_waiting(self) -> int:
        """Close every waiting message whose expiry passed; return how many."""
        async with self._db.transaction() as tx:
            return await tx.execute(self._q["expire_waiting"], {"now": timefmt.now_text()})

    async def release(self, token: str, message_ids: Sequence[str]) -> int:
        """Hand claimed messages back without counting an attempt."""
        if not message_ids:
            return 0
        async with self._db.transaction() as tx:
            return await tx.execute(
                self._q["release_claims"],
                {"message_ids": json.dumps(list(message_ids)), "claim_token": token},
            )

    async def requeue(self, message_id: str) -> bool:
        """Give one dead letter fresh attempts; False if it is not a dead letter."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                self._q["requeue_message"],
                {"message_id": message_id, "now": timefmt.now_text()},
            )
        return changed == 1

    async def requeue_all_failed(self, to_agent: str | None = None) -> list[str]:
        """Give every dead letter (of one recipient, if given) fresh attempts."""
        async with self._db.transaction() as tx:
            rows = await tx.fetch_all(
                self._q["requeue_all_failed"],
                {"to_agent": to_agent, "now": timefmt.now_text()},
            )
        return sorted(row["message_id"] for row in rows)

    # ------------------------------------------------------------ reading

    async def get(self, message_id: str) -> Message | None:
        row = await self._db.fetch_one(self._q["get_message"], {"message_id": message_id})
        return None if row is None else Message.model_validate(row)

    async def get_many(self, message_ids: Sequence[str]) -> list[Message]:
        rows = await self._db.fetch_all(
            self._q["get_messages"], {"message_ids": json.dumps(list(message_ids))}
        )
        return sorted((Message.model_validate(r) for r in rows), key=lambda m: m.message_id)

    async def list(
        self,
        *,
        agent: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        broadcast_id: str | None = None,
        limit: int = 50,
    ) -> list[Message]:
        """Messages to or from `agent`, newest first."""
        rows = await self._db.fetch_all(
            self._q["list_messages"],
            {
                "agent": agent,
                "status": status,
                "since": timefmt.to_text(since) if since else None,
                "broadcast_id": broadcast_id,
                "limit": limit,
            },
        )
        return [Message.model_validate(row) for row in rows]

    async def queue_depth(self) -> dict[str, int]:
        """{delivery_status: count} for messages in play and dead letters."""
        rows = await self._db.fetch_all(self._q["queue_depth"])
        return {row["delivery_status"]: row["n"] for row in rows}

    async def counts(self) -> dict[tuple[str, str], int]:
        """{(recipient, delivery_status): number of messages}."""
        rows = await self._db.fetch_all(self._q["count_by_agent_and_status"])
        return {(row["to_agent"], row["delivery_status"]): row["n"] for row in rows}

    async def recent_deliveries(self, limit: int = 10) -> list[Message]:
        rows = await self._db.fetch_all(self._q["recent_deliveries"], {"limit": limit})
        return [Message.model_validate(row) for row in rows]

    async def dead_letters_since(
        self, since: datetime, after_id: str = "", limit: int = 100
    ) -> list[Message]:
        """Dead letters after the position (`since`, `after_id`), oldest first."""
        params = {"since": timefmt.to_text(since), "after_id": after_id, "limit": limit}
        rows = await self._db.fetch_all(self._q["dead_letters_since"], params)
        return [Message.model_validate(row) for row in rows]


def _ready_runs(
    heads: list[Row], batch: Mapping[str, int], now_text: str
) -> tuple[list[Row], str | None, int]:
    """From each lane's head rows, keep the leading run that is ready now."""
    lanes: dict[tuple[str, int], list[Row]] = {}
    for row in heads:
        lanes.setdefault((row["to_agent"], row["priority_rank"]), []).append(row)
    chosen: list[Row] = []
    next_due: str | None = None
    for (agent, _rank), rows in lanes.items():
        rows.sort(key=lambda r: r["message_id"])
        for row in rows[: batch.get(agent, 1)]:
            due = (
                row["lease_expires_at"]
                if row["delivery_status"] == "claimed"
                else row["available_at"]
            )
            if due > now_text:
                next_due = due if next_due is None else min(next_due, due)
                break
            chosen.append(row)
    chosen.sort(key=lambda r: (r["priority_rank"], r["message_id"]))
    return chosen, next_due, len(lanes)


def _parse(text: str | None) -> datetime | None:
    return None if text is None else timefmt.from_text(text)


def _insert_params(message: NewMessage, message_id: str, now: str) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "from_agent": message.from_agent,
        "to_agent": message.to_agent,
        "priority": message.priority,
        "tags": dump_json(list(message.tags)),
        "content": message.content,
        "sent_at": now,
        "delivery_method": message.delivery_method,
        "max_retries": message.max_retries,
        "coordinate_validation_status": message.coordinate_validation_status,
        "idempotency_key": message.idempotency_key,
        "broadcast_id": message.broadcast_id,
        "expires_at": timefmt.to_text(message.expires_at) if message.expires_at else None,
    }


def _outcome_params(outcome: Outcome, now: str) -> dict[str, Any]:
    return {
        "message_id": outcome.message_id,
        "claim_token": outcome.claim_token,
        "processed_at": now,
        "delivery_time_ms": outcome.delivery_time_ms,
        "delivery_method": outcome.delivery_method,
        "pyautogui_coordinates": dump_json(dict(outcome.coordinates))
        if outcome.coordinates is not None
        else None,
        "coordinate_validation_status": outcome.coordinate_validation_status,
    }
