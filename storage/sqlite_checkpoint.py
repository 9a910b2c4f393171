"""Checkpoints of one SQLite file, on a connection and a thread of their own.

A writer that finds a checkpoint due (`OneHop.checkpoint_when_due`) hands it
over here and goes on. Run on the writer's own connection, the checkpoint held
that connection, and so the next send, for as long as it copied the log back
into the file: 27-29 ms every 500 commits, about a tenth of a sequential
sender's time (measured with a statement timer, `bench/loop.py` shows the
effect). A PASSIVE checkpoint never waits for readers or writers, so another
connection in the same process runs it beside the writes.

But a PASSIVE checkpoint never lets the log start over: it copies back only
what no reader still needs, and while writes keep coming the log always holds
frames it has not copied, so the next writer appends instead of rewinding.
With 8 processes sending, the log grew to 833 MB in six seconds (and every
page read searches a longer log index). So once the log passes
LOG_LIMIT_FRAMES, a RESTART checkpoint follows: it holds new writers back
while it copies the rest and waits for readers to leave the log, a few
milliseconds. A long read (a backup) would keep it waiting: it gives up after
RESTART_WAIT_MS, and its connection tries no RESTART for RESTART_PAUSE, so a
long read costs writers at most RESTART_WAIT_MS in every RESTART_PAUSE.

The first write after a RESTART waits for the disk too: SQLite syncs the header
of a log started over. So the limit keeps restarts rare. A GUI-like stream of
200 messages a second writes 28 log pages a message; at 16 MiB its log started
over every 0.7 s, and each time the send that came next took 4 to 7 ms
(`bench/latency.py`: the median of five runs' GUI-like p99 was 3.3 ms at 16 MiB, 2.5 at 64).

Every connector of one file in a process shares one `BackgroundCheckpoint`
(`shared`): a dispatcher opens two (its own and its upkeep's) and its upkeep
ran a third, each with a connection and a thread of its own, and every
thread that allocates gets a malloc arena of its own that keeps what it freed.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger(__name__)
CACHE_KIB = 64
LOG_LIMIT_FRAMES = 16_384  # 64 MiB of 4 KiB pages
# A log started over keeps its file at the longest it grew (a burst before the first
# checkpoint: 149 MiB with 8 processes sending); the writer that starts it over cuts
# the file back to this (`journal_size_limit`, set on every connection).
LOG_FILE_BYTES = LOG_LIMIT_FRAMES * 4_096
RESTART_WAIT_MS = 50  # the longest a RESTART holds writers back for a reader
RESTART_PAUSE = 10.0  # seconds without a RESTART after one gave up


def checkpoint(conn: sqlite3.Connection, restart: bool = True) -> bool:
    """Copy the log back (PASSIVE); past LOG_LIMIT_FRAMES and if `restart`, make the
    next writer start it over (RESTART), waiting at most `conn`'s busy timeout for
    readers. False: that RESTART gave up (a reader stayed in the log)."""
    _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    if not restart or frames <= LOG_LIMIT_FRAMES:
        return True
    busy, _, _ = conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
    return not busy


class BackgroundCheckpoint:
    """At most one checkpoint of `location` at a time; a request while one runs is
    dropped, since that one copies back what the request would have."""

    def __init__(self, location: str) -> None:
        self.location = location
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._running: Future[None] | None = None
        self._restart_after = 0.0  # time.monotonic() from which a RESTART may run

    def request(self) -> None:
        """Start a checkpoint unless one is running; never waits."""
        if self._running is not None and not self._running.done():
            return
        self._running = self._submit()

    def now(self) -> None:
        """A checkpoint, on its thread, waited for (blocks: from async code, a worker
        thread). One already running is waited for first, then this one runs."""
        self._submit().result()

    def _submit(self) -> Future[None]:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="swarmbus-checkpoint")
        return self._executor.submit(self._checkpoint)

    def _checkpoint(self) -> None:
        try:
            if self._conn is None:
                self._conn = sqlite3.connect(
                    self.location,
                    timeout=RESTART_WAIT_MS / 1000,
                    isolation_level=None,
                    check_same_thread=False,
                )
                # copying log frames back needs no page cache (SQLite's default is 2 MiB)
                self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            if not checkpoint(self._conn, time.monotonic() >= self._restart_after):
                self._restart_after = time.monotonic() + RESTART_PAUSE
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


_shared: dict[str, tuple[BackgroundCheckpoint, int]] = {}  # real path -> (it, its users)
_shared_lock = threading.Lock()
if hasattr(os, "register_at_fork"):  # a forked child has none of its parent's threads
    os.register_at_fork(after_in_child=_shared.clear)


def shared(location: str) -> BackgroundCheckpoint:
    """The checkpoints of `location` for every connector of this process; `release` it."""
    key = os.path.realpath(location)
    with _shared_lock:
        checkpoints, users = _shared.get(key, (None, 0))
        checkpoints = checkpoints or BackgroundCheckpoint(location)
        _shared[key] = (checkpoints, users + 1)
        return checkpoints


def release(checkpoints: BackgroundCheckpoint) -> None:
    """One user of `shared` is done; the last closes it (blocks: run it on a worker
    thread from async code)."""
    key = os.path.realpath(checkpoints.location)
    with _shared_lock:
        registered, users = _shared.get(key, (None, 0))
        if registered is checkpoints:  # (not: one a forked child inherited)
            if users > 1:
                _shared[key] = (checkpoints, users - 1)
                return
            del _shared[key]
    checkpoints.close()
