"""Conversations: a thread, an agent's inbox as read, an acknowledgement, search results.

What `Bus.thread`, `Bus.read`, `Bus.ack` and `Bus.search` return, so every
face (CLI, Discord, MCP, web) gets the same typed values and renders them its
own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from swarmbus.model.messages import Message

SearchMethod = Literal["index", "scan"]


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """What a search may be narrowed to; None is no filter."""

    agent: str | None = None  # messages to or from this agent (or person)
    from_agent: str | None = None
    since: datetime | None = None  # sent at or after
    thread_id: str | None = None
    status: str | None = None  # a delivery status


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Thread(_Frozen):
    """A thread in send order: its first message's id, its subject, who takes part."""

    thread_id: str
    subject: str | None
    participants: list[str]
    messages: list[Message]
    truncated: bool = False  # more messages than one listing holds


class Inbox(_Frozen):
    """What `Bus.read` showed `agent`, newest first, and which of it was opened just now.

    `marked` is empty when the reader is not the recipient (or peeked): reading
    someone else's inbox leaves its read receipts alone.
    """

    agent: str
    reader: str
    messages: list[Message]
    marked: list[str]


class Acknowledgement(_Frozen):
    """An ack: the message as it now stands, and whether this call acked it (False: already was)."""

    message: Message
    acknowledged_now: bool


class Span(_Frozen):
    """Characters [start, end) of a snippet that match the query."""

    start: int
    end: int


class SearchHit(_Frozen):
    """One message found, its score (higher is better) and a snippet around the hit."""

    message: Message
    score: float
    snippet: str
    highlights: list[Span]


class SearchResult(_Frozen):
    """The hits of one search, best first.

    `method` says how they were found: "index" (the full-text index; the
    newest `ranked_among` matches are ranked, best first) or "scan" (a literal
    scan of the latest `scanned` messages, newest first, for text under three
    characters, which the index cannot hold).
    """

    query: str
    method: SearchMethod
    hits: list[SearchHit]
    scanned: int | None = None
    ranked_among: int | None = None


class Reply(_Frozen):
    """The rows one reply wrote: one per recipient, in the thread of the message answered."""

    thread_id: str
    reply_to: str
    message_ids: dict[str, str]  # recipient -> message id
    created: bool  # False: a repeat (same idempotency key) of an earlier reply
