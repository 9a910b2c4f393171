"""Storing new messages: group commit for single sends, and the wake-up after each commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from swarmbus import errors
from swarmbus.agents.config import AgentConfig
from swarmbus.bus.batching import GroupCommit
from swarmbus.bus.requests import Envelope
from swarmbus.bus.signal import Signal
from swarmbus.model.messages import DeliveryMethod, NewMessage, Stored
from swarmbus.storage.database import Database

METHOD_OF_TRANSPORT: dict[str, DeliveryMethod] = {
    "gui": "pyautogui",
    "inbox": "inbox",
    "memory": "memory",
}


class Outbox:
    """Writes messages and announces each commit, in this process and to others."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sent = Signal()  # set after every commit, for in-process dispatchers
        # A conflicting key fails its own send only, not the others sharing its transaction.
        self._sends: GroupCommit[NewMessage, Stored] = GroupCommit(
            self.store_all, isolate=(errors.ConstraintViolation, errors.IdempotencyConflict)
        )

    async def store(self, message: NewMessage) -> Stored:
        """Store one message, sharing a transaction with concurrent callers."""
        return await self._sends.submit(message)

    async def store_all(self, messages: Sequence[NewMessage]) -> list[Stored]:
        """Store messages in one transaction, then wake the dispatchers."""
        stored = await self.db.messages.insert(messages)
        self.announce()
        return stored

    def announce(self) -> None:
        """Wake this process's dispatchers (storage has told other processes already)."""
        self.sent.set()


@dataclass(frozen=True, slots=True)
class Place:
    """Where a message goes among others: its broadcast, its thread, the message it answers."""

    broadcast_id: str | None = None  # one row per recipient shares it
    thread_id: str | None = None  # None: the message starts a thread
    reply_to: str | None = None
    subject: str | None = None  # a reply's: its thread's


def compose(
    envelope: Envelope,
    agent: AgentConfig | str,
    content: str,
    max_retries: int,
    place: Place | None = None,
) -> NewMessage:
    """The row for one recipient of a validated message.

    `agent` is a configured agent, delivered by its transport, or the name of
    a person (a reply to `person` or `discord:alice`): no transport reaches a
    person, who reads it through a face, so it is stored as delivered.
    """
    place = place or Place()
    name, method = (agent, None) if isinstance(agent, str) else (agent.name, agent.transport)
    key = envelope.idempotency_key
    if key is not None and place.broadcast_id is not None:
        key = f"{key}/{name}"  # one key per row: the unique index is (sender, key)
    return NewMessage(
        from_agent=envelope.from_agent,
        to_agent=name,
        content=content,
        priority=envelope.priority,
        tags=envelope.tags,
        delivery_method=METHOD_OF_TRANSPORT[method] if method else None,
        coordinate_validation_status="pending" if method == "gui" else "not_applicable",
        max_retries=max_retries,
        idempotency_key=key,
        broadcast_id=place.broadcast_id,
        expires_in=envelope.expires_in,
        thread_id=place.thread_id,
        reply_to=place.reply_to,
        subject=place.subject or envelope.subject,
        ack_required=envelope.ack_required,
        ack_within=envelope.ack_within,
    )
