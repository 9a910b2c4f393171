"""Live updates: one watcher per process, fanned out to every open page.

`LiveHub.run` is the process's only watch on the database (`Bus.watch`): it
counts generations, one per change notice, and wakes every waiting stream.
Each stream then asks for its view at the new generation; a view is rendered
once per generation and the HTML is shared by every stream showing it, so ten
tabs on the overview cost one render per change, and nothing while nothing
changes. While the database cannot be read, the hub holds the problem for the
banner, and the watcher keeps retrying.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus
    from swarmbus.bus.changes import Change

logger = logging.getLogger(__name__)

CACHED_VIEWS = 64  # rendered views kept (one entry per distinct page and filter)
Render = Callable[[], Awaitable[str]]


class LiveHub:
    """The generation counter, the database problem, and the shared render cache."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self.generation = 0
        self.problem: str | None = None
        self.streams = 0  # open streams, for the bench and the tests
        self.renders = 0  # views rendered for streams (once per view and generation)
        self._changed = anyio.Event()
        self._cache: OrderedDict[Hashable, tuple[int, str]] = OrderedDict()
        self._locks: dict[Hashable, anyio.Lock] = {}

    async def run(self) -> None:
        """Watch the database until cancelled."""
        await self._bus.watch(self.notice)

    def notice(self, change: Change) -> None:
        """A new generation: wake every stream."""
        self.generation += 1
        self.problem = change.problem
        changed, self._changed = self._changed, anyio.Event()
        changed.set()

    async def wait_after(self, seen: int) -> int:
        """The first generation after `seen` (at once when there is one already)."""
        while self.generation <= seen:
            await self._changed.wait()
        return self.generation

    async def rendered(self, key: Hashable, render: Render) -> str:
        """The view `key` at the current generation, rendered once for every stream."""
        lock = self._locks.setdefault(key, anyio.Lock())
        async with lock:
            generation = self.generation
            cached = self._cache.get(key)
            if cached is not None and cached[0] == generation:
                self._cache.move_to_end(key)
                return cached[1]
            html = await render()
            self.renders += 1
            self._remember(key, generation, html)
            return html

    def _remember(self, key: Hashable, generation: int, html: str) -> None:
        self._cache[key] = (generation, html)
        self._cache.move_to_end(key)
        while len(self._cache) > CACHED_VIEWS:
            old, _ = self._cache.popitem(last=False)
            lock = self._locks.get(old)
            if lock is not None and not lock.locked():
                del self._locks[old]
