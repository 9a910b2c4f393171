"""PASSIVE checkpoints of one SQLite file, on a connection and a thread of their own.

A writer that finds a checkpoint due (`OneHop.checkpoint_when_due`) hands it
over here and goes on. Run on the writer's own connection, the checkpoint held
that connection, and so the next send, for as long as it copied the log back
into the file: 27-29 ms every 500 commits, about a tenth of a sequential
sender's time (measured with a statement timer, `bench/loop.py` shows the
effect). A PASSIVE checkpoint never waits for readers or writers, so another
connection in the same process runs it beside the writes.
"""

from __future__ import annotations

import logging
import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger(__name__)
CACHE_KIB = 64


class BackgroundCheckpoint:
    """At most one checkpoint of `location` at a time; a request while one runs is
    dropped, since that one copies back what the request would have."""

    def __init__(self, location: str) -> None:
        self.location = location
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._running: Future[None] | None = None

    def request(self) -> None:
        """Start a checkpoint unless one is running; never waits."""
        if self._running is not None and not self._running.done():
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="swarmbus-checkpoint")
        self._running = self._executor.submit(self._checkpoint)

    def _checkpoint(self) -> None:
        try:
            if self._conn is None:
                self._conn = sqlite3.connect(
                    self.location, isolation_level=None, check_same_thread=False
                )
                # copying log frames back needs no page cache (SQLite's default is 2 MiB)
                self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # the next one tries again
            logger.debug("checkpoint of %s failed: %s", self.location, exc)

    def close(self) -> None:
        """Wait for a running checkpoint, then close the connection (blocks: run it on
        a worker thread from async code)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
