"""Watching a swarm's database for changes, for a face that keeps views open.

One watch per process serves every open view (every browser tab of the web
dashboard): it sleeps on the database's own wake-ups, the datagrams (SQLite)
or NOTIFY (PostgreSQL) that wake dispatchers when a message is sent or
requeued, and reads the write position every `poll` seconds for the writes
nobody announces (a delivery recorded, a heartbeat, an agent's report). So the
cost is one cheap read per process per poll, however many views are open.

Each notice carries a new generation number; bursts of commits become one
notice (at most one per `QUIET_GAP`). While the database cannot be read, the
notice carries the problem, the watch keeps trying with backoff, and the first
good reading after it is a notice again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import anyio

from swarmbus import errors
from swarmbus.bus.signal import Signal
from swarmbus.storage.changes import write_position
from swarmbus.storage.database import Database

logger = logging.getLogger(__name__)

CHANGE_POLL = 0.25  # seconds between readings of the write position
QUIET_GAP = 0.1  # seconds at least between two notices
RETRY_MAX = 5.0  # seconds between readings while the database fails


@dataclass(frozen=True)
class Change:
    """The database may have changed (`problem` None), or cannot be read (why, in one line)."""

    generation: int
    problem: str | None = None


Notify = Callable[[Change], None]
_UNREAD = object()


class ChangeWatch:
    """Calls `notify` with each `Change` of one database, until cancelled."""

    def __init__(self, db: Database, notify: Notify, poll: float = CHANGE_POLL) -> None:
        self._db = db
        self._notify = notify
        self._poll = poll
        self.generation = 0
        self.problem: str | None = None
        self._position: object = _UNREAD
        self._failures = 0

    async def run(self) -> None:
        """Watch until cancelled."""
        wake = Signal()
        async with anyio.create_task_group() as group:
            group.start_soon(self._db.connector.listen, wake.set, name="change listener")
            await self._look(woke=False)  # the first reading is the baseline
            while True:
                await self._look(await wake.wait(self._delay()))

    def _delay(self) -> float:
        if not self._failures:
            return self._poll
        return min(RETRY_MAX, self._poll * 2**self._failures)

    async def _look(self, woke: bool) -> None:
        try:
            position = await write_position(self._db.connector)
        except errors.StorageError as exc:
            self._failures += 1
            if self.problem != str(exc):
                logger.warning("cannot watch the database: %s", exc, extra={"action": "watch"})
                self.problem = str(exc)
                self._emit()
            return
        recovered, self._failures = self.problem is not None, 0
        self.problem = None
        first, self._position, moved = (
            self._position is _UNREAD,
            position,
            position != self._position,
        )
        if recovered or (not first and (woke or moved)):
            self._emit()
            await anyio.sleep(QUIET_GAP)

    def _emit(self) -> None:
        self.generation += 1
        self._notify(Change(self.generation, self.problem))
