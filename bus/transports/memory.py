"""The memory transport: deliveries kept in a dict, for tests and benchmarks.

Failures can be injected per message or as a rule, and a delay can stand in
for a slow target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import anyio

from swarmbus.bus.transports.base import DeliveryRequest, DeliveryResult, TransportPaused
from swarmbus.model.messages import Message


@dataclass
class MemoryTransport:
    """Records every delivery in order; `fail` decides which attempts fail.

    :param fail: given the message and how many attempts it had before this
        one, return an error string to fail the attempt, or None.
    :param pause: like `fail`, but a returned reason pauses delivery instead
        (the transport is then unavailable until `unavailable` is cleared).
    :param delay: seconds each delivery takes.
    """

    name: ClassVar[str] = "memory"
    concurrency: int = 64
    batch_size: int = 64
    idempotent: bool = False  # a redelivery is recorded twice
    delay: float = 0.0
    fail: Callable[[Message, int], str | None] | None = None
    pause: Callable[[Message], str | None] | None = None
    unavailable: str | None = None
    delivered: list[Message] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)

    def unavailable_reason(self) -> str | None:
        return self.unavailable

    async def deliver(self, request: DeliveryRequest) -> DeliveryResult:
        message = request.message
        before = self.attempts.get(message.message_id, 0)
        self.attempts[message.message_id] = before + 1
        if self.pause is not None and (reason := self.pause(message)):
            self.unavailable = reason  # stays paused until someone clears it
            raise TransportPaused(reason)
        if self.delay:
            await anyio.sleep(self.delay)
        if self.fail is not None and (error := self.fail(message, before)):
            return DeliveryResult(method="memory", error=error)
        self.delivered.append(message)
        return DeliveryResult(method="memory", coordinate_status="not_applicable")

    def received(self, agent: str) -> list[str]:
        """The bodies `agent` received, in delivery order."""
        return [m.content for m in self.delivered if m.to_agent == agent]

    async def aclose(self) -> None:
        return None
