"""A wake-up flag between tasks of one process."""

from __future__ import annotations

import anyio


class Signal:
    """`set` any number of times; `wait` returns once per burst of sets and clears the flag."""

    def __init__(self) -> None:
        self._event = anyio.Event()
        self.sets = 0  # how many times it was set: a reader tells whether it was since

    def set(self) -> None:
        self.sets += 1
        self._event.set()

    async def wait(self, timeout: float) -> bool:
        """Return True when set (and clear it), False after `timeout` seconds."""
        with anyio.move_on_after(timeout):
            await self._event.wait()
        fired = self._event.is_set()
        if fired:
            self._event = anyio.Event()
        return fired
