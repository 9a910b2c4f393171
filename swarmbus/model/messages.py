"""A message: its priorities and statuses, the row of `agent_messages`, and a message about
to be stored.

Storage writes and reads these (`swarmbus.storage.messages`), transports
deliver them, every face shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field

from swarmbus.model.types import JsonList, JsonObject, UtcTime

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
ReadingState = Literal["unread", "read", "acked"]
CoordinateStatus = Literal[
    "pending", "valid", "off_screen", "title_mismatch", "unverified", "not_applicable"
]


class Message(BaseModel):
    """One row of `agent_messages`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

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
    # set while a non-idempotent delivery (a paste) is under way; left behind by a cut-off one
    attempt_started_at: UtcTime | None = None
    attempt_by: str | None = None
    attempt_token: str | None = None
    # conversations: the thread (its first message's id), the message answered, a subject
    thread_id: str | None = None
    reply_to: str | None = None
    subject: str | None = None
    # beside the delivery states: opened by the recipient through a face, acknowledged by it
    read_at: UtcTime | None = None
    ack_required: bool = False
    ack_due_at: UtcTime | None = None  # by the database's clock
    acked_at: UtcTime | None = None
    ack_note: str | None = None
    overdue_alerted_at: UtcTime | None = None  # the one alert an overdue ack gets
    # who last gave this message, a dead letter then, a fresh set of attempts, and when
    requeued_by: str | None = None
    requeued_at: UtcTime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def priority_rank(self) -> int:
        """0 for urgent to 3 for low: the database's generated column, derived the same way."""
        return PRIORITIES.index(self.priority)

    @property
    def delivery_order(self) -> tuple[int, str]:
        """Higher priority first, then send order (ids increase in commit order)."""
        return (self.priority_rank, self.message_id)

    @property
    def thread(self) -> str:
        """The thread's id: its first message's (a row from before threads is its own)."""
        return self.thread_id or self.message_id

    @property
    def reading(self) -> ReadingState:
        """Where the recipient is with it: unread, read, or acknowledged."""
        if self.acked_at is not None:
            return "acked"
        return "unread" if self.read_at is None else "read"

    def ack_overdue(self, now: datetime) -> bool:
        """Whether a required ack is late at `now` (an expired message owes none)."""
        return (
            self.ack_due_at is not None
            and self.acked_at is None
            and self.delivery_status != "expired"
            and self.ack_due_at <= now
        )


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message about to be stored (validated by the bus already)."""

    from_agent: str
    to_agent: str
    content: str
    priority: Priority = "normal"
    tags: tuple[str, ...] = ()
    # None: no transport; the recipient (a person) reads it through a face, so it is
    # stored as delivered
    delivery_method: DeliveryMethod | None = "inbox"
    coordinate_validation_status: CoordinateStatus = "not_applicable"
    max_retries: int = 3
    idempotency_key: str | None = None
    broadcast_id: str | None = None
    expires_in: float | None = None  # seconds from the moment it is stored, by the database's clock
    thread_id: str | None = None  # None: the message starts its own thread
    reply_to: str | None = None
    subject: str | None = None
    ack_required: bool = False
    ack_within: float | None = None  # seconds from the moment it is stored, by the database's clock


@dataclass(frozen=True, slots=True)
class Stored:
    """The outcome of storing one message: its id, and whether it was new."""

    message_id: str
    created: bool
