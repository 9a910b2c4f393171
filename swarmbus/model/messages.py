"""A message: its priorities and statuses, the row of `agent_messages`, and a message about
to be stored.

Storage writes and reads these (`swarmbus.storage.messages`), transports
deliver them, every face shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    expires_in: float | None = None  # seconds from the moment it is stored, by the database's clock


@dataclass(frozen=True, slots=True)
class Stored:
    """The outcome of storing one message: its id, and whether it was new."""

    message_id: str
    created: bool
