"""The `agent_messages` table: storing new messages, reading them.

The row model lives in `swarmbus.model.messages`; claiming and settling (the
dispatcher's side) live in `claims`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, Unpack

from swarmbus import errors
from swarmbus.model import ids, timefmt
from swarmbus.model.messages import PRIORITIES, Message, NewMessage, Stored
from swarmbus.storage import queries as sql
from swarmbus.storage.announcements import Named
from swarmbus.storage.connector import Connector, Statements
from swarmbus.storage.rows import dump_json

SEND_TRIES = 3  # one-statement sends whose ids another host's clock put below the newest


@dataclass(frozen=True, slots=True)
class RecipientCounts:
    """The status report's counts: {(recipient, delivery_status): messages}, and
    {recipient: messages it never opened through a face}, expired ones left out and
    recipients with none left out."""

    by_status: dict[tuple[str, str], int]
    unread: dict[str, int]


@dataclass(slots=True)
class _Newest:
    """The largest message id this repository stored or was told of. A one-statement
    send draws its ids above it: two ids drawn in the same millisecond are otherwise in
    random order, and the second was below the newest, stored nothing and went again
    (224 of 1,000 sequential sends from one process took a second round trip)."""

    id: str | None = None


class Paging(TypedDict, total=False):
    """Which page of a listing: at most `limit` rows, stored before message `before`."""

    limit: int
    before: str | None


@dataclass(frozen=True, slots=True)
class Keyed:
    """The message first stored under a (sender, idempotency key), and what it asked for."""

    message_id: str
    to_agent: str
    content: str

    def repeated_by(self, message: NewMessage) -> bool:
        """Whether `message` asks for the same thing (the same recipient and body)."""
        return (self.to_agent, self.content) == (message.to_agent, message.content)


class MessageRepository:
    """Storing and reading `agent_messages` rows."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)
        self._newest = _Newest()

    # ------------------------------------------------------------ storing

    async def insert(self, messages: Sequence[NewMessage]) -> list[Stored]:
        """Store messages in one transaction; return their ids in input order.

        A message whose (sender, idempotency key) is already stored, or appears
        earlier in the same batch, is not stored again: it gets the first id.
        If it asks for something else under that key (another recipient or
        body), `IdempotencyConflict` rolls the whole transaction back.
        """
        return await self._db.atomic(
            lambda tx: self.insert_within(tx, messages),
            first=lambda db: _send_at_once(db, self._q, messages, self._newest),
        )

    async def insert_within(self, tx: Statements, messages: Sequence[NewMessage]) -> list[Stored]:
        """`insert` inside a transaction the caller holds (the messages commit with it)."""
        known = await _known_keys(tx, self._q["find_idempotent"], messages)
        row = await tx.fetch_one(self._q["newest_message_id"])
        fresh = ids.new_ids(len(messages), after=row["message_id"] if row else None)
        results, params = _rows(messages, fresh, known)
        if params:
            await tx.execute_many(self._q["insert_message"], params)
            await tx.announce(_named(params))
        return results

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
        **page: Unpack[Paging],
    ) -> list[Message]:
        """Messages to or from `agent`, newest first: at most `limit` (50), and only those
        stored before message `before` when it is given."""
        limit, before = page.get("limit", 50), page.get("before")
        if status is not None and agent is None and since is None and broadcast_id is None:
            params = {"status": status, "limit": limit, "before": before}
            rows = await self._db.fetch_all(self._q["messages_in_status"], params)
        else:
            params = {
                "status": status,
                "since": timefmt.to_text(since) if since else None,
                "broadcast_id": broadcast_id,
                "limit": limit,
                "before": before,
            }
            if agent is None:  # filters on no index: walks from the newest until it has `limit`
                query = self._q["list_messages"]
            else:  # from the newest end of what it received and of what it sent
                query, params["agent"] = self._q["messages_of_agent"], agent
            rows = await self._db.fetch_all(query, params)
        return [Message.model_validate(row) for row in rows]

    async def queue_depth(self) -> dict[str, int]:
        """{delivery_status: count} for messages in play and dead letters."""
        rows = await self._db.fetch_all(self._q["queue_depth"])
        return {row["delivery_status"]: row["n"] for row in rows}

    async def counts(self, agent: str | None = None) -> RecipientCounts:
        """How many messages each recipient (or `agent` alone) has in each delivery status,
        and how many it never opened, in one walk of one index (a dashboard asks on every
        refresh)."""
        if agent is None:
            rows = await self._db.fetch_all(self._q["count_by_agent_and_status"])
        else:
            rows = await self._db.fetch_all(self._q["count_by_status_of_agent"], {"agent": agent})
        counts = RecipientCounts({}, {})
        for row in rows:
            recipient, status = row["to_agent"], row["delivery_status"]
            counts.by_status[(recipient, status)] = int(row["n"])
            unread = int(row["unread"])
            if unread and status != "expired":  # its sender withdrew it: nothing to read
                counts.unread[recipient] = counts.unread.get(recipient, 0) + unread
        return counts

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


async def _known_keys(
    tx: Statements, find_query: str, messages: Sequence[NewMessage]
) -> dict[tuple[str, str | None], Keyed]:
    """What each sender already stored under the idempotency keys these messages carry."""
    by_sender: dict[str, set[str]] = {}
    for message in messages:
        if message.idempotency_key is not None:
            by_sender.setdefault(message.from_agent, set()).add(message.idempotency_key)
    known: dict[tuple[str, str | None], Keyed] = {}
    for sender, keys in by_sender.items():
        rows = await tx.fetch_all(
            find_query, {"from_agent": sender, "keys": json.dumps(sorted(keys))}
        )
        for row in rows:
            keyed = Keyed(row["message_id"], row["to_agent"], row["content"])
            known[(sender, row["idempotency_key"])] = keyed
    return known


async def _send_at_once(
    db: Statements, q: Mapping[str, str], messages: Sequence[NewMessage], newest: _Newest
) -> list[Stored] | None:
    """Where the dialect has `send_messages` (PostgreSQL): the send as one statement
    in its own transaction, one round trip instead of six. None: `insert_within`
    does it (idempotency keys to look up, or ids that stayed below the newest)."""
    if not messages or "send_messages" not in q:
        return None
    if any(message.idempotency_key is not None for message in messages):
        return None
    for _ in range(SEND_TRIES):
        fresh = ids.new_ids(len(messages), after=newest.id)
        results, params = _rows(messages, fresh, {})
        rows = json.dumps(params, separators=(",", ":"))
        answer = await db.fetch_one(q["send_messages"], {"rows": rows, "first_id": fresh[0]})
        if answer is None:
            continue
        if answer["stored"]:
            newest.id = fresh[-1]
            return results
        newest.id = answer["newest"]
    return None


def _rows(
    messages: Sequence[NewMessage], fresh: list[str], known: dict[tuple[str, str | None], Keyed]
) -> tuple[list[Stored], list[dict[str, Any]]]:
    """Each message's result, and the insert parameters of those not stored before."""
    results: list[Stored] = []
    params: list[dict[str, Any]] = []
    threads: dict[str, str] = {}  # broadcast id -> its thread (the first row's id)
    for message, message_id in zip(messages, fresh, strict=True):
        key = (message.from_agent, message.idempotency_key)
        if message.idempotency_key is not None and key in known:
            results.append(Stored(_repeat_of(known[key], message), created=False))
            continue
        if message.idempotency_key is not None:
            known[key] = Keyed(message_id, message.to_agent, message.content)
        results.append(Stored(message_id, created=True))
        thread = message.thread_id or _thread_of(threads, message, message_id)
        params.append(_insert_params(message, message_id, thread))
    return results, params


def _named(params: list[dict[str, Any]]) -> Named | None:
    """The lane and id of the one message stored (`storage.announcements`), else None."""
    if len(params) != 1:
        return None
    row = params[0]
    return (row["to_agent"], PRIORITIES.index(row["priority"]), row["message_id"])


def _repeat_of(first: Keyed, message: NewMessage) -> str:
    """The first message's id for a true repeat; `IdempotencyConflict` for another request."""
    if first.repeated_by(message):
        return first.message_id
    raise errors.IdempotencyConflict(
        f"idempotency key {message.idempotency_key!r} was already used by message "
        f"{first.message_id} (to {first.to_agent}) with a different recipient or body; "
        f"a repeat must ask for the same message, a new message needs a new key"
    )


def _thread_of(threads: dict[str, str], message: NewMessage, message_id: str) -> str:
    """A new thread: the message's own id; every row of a broadcast shares its first row's."""
    if message.broadcast_id is None:
        return message_id
    return threads.setdefault(message.broadcast_id, message_id)


def _insert_params(message: NewMessage, message_id: str, thread_id: str) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "from_agent": message.from_agent,
        "to_agent": message.to_agent,
        "priority": message.priority,
        "tags": dump_json(list(message.tags)) if message.tags else "[]",
        "content": message.content,
        "status": "pending" if message.delivery_method else "delivered",
        "delivery_method": message.delivery_method,
        "max_retries": message.max_retries,
        "coordinate_validation_status": message.coordinate_validation_status,
        "idempotency_key": message.idempotency_key,
        "broadcast_id": message.broadcast_id,
        "expires_in": message.expires_in,
        "thread_id": thread_id,
        "reply_to": message.reply_to,
        "subject": message.subject,
        "ack_required": message.ack_required,
        "ack_within": message.ack_within,
    }
