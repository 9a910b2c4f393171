"""What the MCP tools return: small pydantic models, so every result is also structured.

The SDK turns a returned model into `structured_content` (a plain `dict` would
give none), and its JSON schema into the tool's output schema. Field names
are what a model reads, so they say what they hold (`message_id`, `thread_id`,
`reading`), and times are ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, WithJsonSchema

from swarmbus.model.messages import Message

# Nullable fields as one JSON-schema `type` list rather than pydantic's `anyOf`: the same
# meaning, and a client validating a 20-message inbox against it does a fifth of the work.
OptionalText = Annotated[str | None, WithJsonSchema({"type": ["string", "null"]})]
OptionalTime = Annotated[
    datetime | None, WithJsonSchema({"type": ["string", "null"], "format": "date-time"})
]


class MessageView(BaseModel):
    """One message as an agent sees it: routing, thread, delivery, read and ack state."""

    message_id: str
    thread_id: str
    reply_to: OptionalText
    from_agent: str
    to_agent: str
    subject: OptionalText
    priority: str
    tags: list[str]
    sent_at: datetime
    delivery_status: str = Field(description="pending, claimed, retrying, delivered, failed…")
    reading: str = Field(description="unread, read or acked (by the recipient)")
    read_at: OptionalTime
    ack_required: bool
    ack_due_at: OptionalTime
    acked_at: OptionalTime
    ack_note: OptionalText
    content: OptionalText = Field(description="the exact body; null when bodies were left out")

    @classmethod
    def of(cls, message: Message, *, body: bool = True) -> MessageView:
        return cls(
            message_id=message.message_id,
            thread_id=message.thread,
            reply_to=message.reply_to,
            from_agent=message.from_agent,
            to_agent=message.to_agent,
            subject=message.subject,
            priority=message.priority,
            tags=[str(tag) for tag in message.tags or []],
            sent_at=message.sent_at,
            delivery_status=message.delivery_status,
            reading=message.reading,
            read_at=message.read_at,
            ack_required=message.ack_required,
            ack_due_at=message.ack_due_at,
            acked_at=message.acked_at,
            ack_note=message.ack_note,
            content=message.content if body else None,
        )


class Identity(BaseModel):
    """Who this server acts as."""

    agent: str
    transport: str
    delivery: str = Field(description="paste (bodies pasted into the window) or nudge")
    unread: int = Field(description="messages to you never opened (up to the listing limit)")
    overdue_acks: list[str] = Field(description="ids of messages you must still acknowledge")


class Sent(BaseModel):
    """A message stored (committed) for its recipient."""

    message_id: str
    thread_id: str
    to_agent: str


class Replied(BaseModel):
    """A reply stored in its thread, one row per recipient."""

    thread_id: str
    reply_to: str
    message_ids: dict[str, str] = Field(description="recipient -> message id")


class InboxView(BaseModel):
    """Your messages, newest first; `marked_read` lists those opened for the first time now."""

    agent: str
    count: int
    messages: list[MessageView]
    marked_read: list[str]


class ThreadView(BaseModel):
    """A whole thread in send order."""

    thread_id: str
    subject: str | None
    participants: list[str]
    messages: list[MessageView]
    truncated: bool


class Acknowledged(BaseModel):
    """An acknowledgement; `acknowledged_now` is False when it was acknowledged before."""

    message_id: str
    acknowledged_now: bool
    acked_at: datetime | None
    note: str | None


class Hit(BaseModel):
    message: MessageView
    score: float
    snippet: str


class SearchView(BaseModel):
    """Search hits, best first (`method`: the full-text index, or a scan for short text)."""

    query: str
    method: str
    hits: list[Hit]


class AgentView(BaseModel):
    """One agent of the swarm: its status, focus and waiting messages."""

    name: str
    transport: str
    status: str
    focus: str | None
    queue: dict[str, int] = Field(description="messages waiting, by delivery status")
    overdue_acks: int
    last_updated: str | None
    last_delivery: str | None


class AgentsView(BaseModel):
    agents: list[AgentView]


class Reported(BaseModel):
    """Your registry row after a report."""

    agent: str
    status: str
    focus: str | None
    cycle_count: int
    tasks_completed: int
    coordination_efficiency: float


class SystemView(BaseModel):
    system_id: str
    status: str
    stale: bool
    age_seconds: float
    detail: str | None


class SwarmView(BaseModel):
    """The swarm at a glance."""

    agents: list[AgentView]
    totals: dict[str, int] = Field(description="messages by delivery status")
    dead_letters: int = Field(description="failed messages waiting for a person")
    overdue_acks: int
    systems: list[SystemView]
    stale_systems: list[str]


class ReservationView(BaseModel):
    reservation_id: str
    agent: str
    pattern: str
    exclusive: bool
    reason: str
    expires_at: datetime


class ConflictView(BaseModel):
    pattern: str = Field(description="what you asked for")
    held: ReservationView = Field(description="who holds it, why, until when")


class GrantView(BaseModel):
    """What a reservation request got: every pattern granted or in conflict."""

    project: str
    granted: list[ReservationView]
    conflicts: list[ConflictView]


class ReservationsView(BaseModel):
    project: str
    reservations: list[ReservationView]
