"""What a transport is: something that delivers one message to one agent.

A transport declares how many deliveries it can run at once on this host
(`concurrency`; the GUI has one mouse), how many messages of one lane the
dispatcher may hand it in a row (`batch_size`), and whether delivering the
same message twice leaves one copy (`idempotent`). The dispatcher records a
non-idempotent transport's success before the next delivery starts, so a crash
can duplicate at most the message that was being delivered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from swarmbus.agents.config import AgentConfig
from swarmbus.model.messages import CoordinateStatus, DeliveryMethod, Message


@dataclass(frozen=True, slots=True)
class DeliveryRequest:
    """One delivery attempt.

    `redelivery` is set when the message was reclaimed from a dispatcher whose
    lease ran out. `uncertain_since` is set when an earlier non-idempotent
    attempt started at that time and never recorded its outcome: it may have
    landed, so a repeat must say so. `companions` are later messages of the
    same lane that one nudge notice announces together with `message`
    (`delivery = "nudge"`); they are recorded with this attempt's result.
    """

    message: Message
    agent: AgentConfig
    redelivery: bool = False
    uncertain_since: datetime | None = None
    companions: tuple[Message, ...] = ()


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """How an attempt went. `error` is None on success."""

    method: DeliveryMethod
    error: str | None = None
    coordinates: Mapping[str, Any] | None = None
    coordinate_status: CoordinateStatus | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


class TransportPaused(Exception):
    """Raised by a transport that must stop delivering until a person resumes it.

    The dispatcher hands the message back (no attempt is counted). `touched`
    says the delivery had already reached the screen (clicked or pasted), so
    the message may have landed in part: it stays marked uncertain.
    """

    def __init__(self, reason: str, *, touched: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.touched = touched


class Transport(Protocol):
    """The interface every transport implements."""

    name: ClassVar[str]
    concurrency: int
    batch_size: int
    idempotent: bool

    def unavailable_reason(self) -> str | None:
        """Why this transport cannot deliver right now (None when it can)."""
        ...

    async def deliver(self, request: DeliveryRequest) -> DeliveryResult:
        """Deliver one message; report failure in the result, raise only `TransportPaused`."""
        ...

    async def aclose(self) -> None:
        """Release what the transport holds (threads, locks)."""
        ...
