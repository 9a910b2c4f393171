"""Delivery slots of one transport, handed out by priority.

A transport runs at most `capacity` deliveries at once (the GUI: one). A lane
holds a slot while it delivers its run of messages, and between two messages
gives it up to any waiting lane whose next message ranks higher (a lower
`(priority_rank, message_id)` key). So with one slot, an urgent message waits
for at most the delivery in progress, and equal priorities go in send order.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any

import anyio

Key = tuple[int, str]


@dataclass(order=True)
class _Waiter:
    key: Key
    order: int
    event: anyio.Event = field(compare=False, default_factory=anyio.Event)
    granted: bool = field(compare=False, default=False)


class PrioritySlots:
    """A counting semaphore whose waiters are served lowest key first."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self._free = capacity
        self._waiting: list[_Waiter] = []
        self._order = itertools.count()

    async def acquire(self, key: Key) -> None:
        """Wait for a slot; lower keys are served first."""
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        waiter = _Waiter(key, next(self._order))
        heapq.heappush(self._waiting, waiter)
        try:
            await waiter.event.wait()
        except BaseException:
            if waiter.granted:
                self.release()  # it was handed to us as we were cancelled
            else:
                self._waiting.remove(waiter)
                heapq.heapify(self._waiting)
            raise

    def release(self) -> None:
        """Give the slot to the best waiter, or back to the pool."""
        if self._waiting:
            waiter = heapq.heappop(self._waiting)
            waiter.granted = True
            waiter.event.set()
        else:
            self._free += 1

    async def yield_to_better(self, key: Key) -> None:
        """Holding a slot: hand it over if a waiter outranks `key`, then wait for one again."""
        if self._waiting and self._waiting[0].key < key:
            self.release()
            await self.acquire(key)

    def __repr__(self) -> str:
        state: dict[str, Any] = {"free": self._free, "waiting": len(self._waiting)}
        return f"PrioritySlots({self.capacity}, {state})"
