"""A whole SQLite write transaction in one hop to the connection's thread.

aiosqlite runs every statement on the connection's own thread and wakes the
event loop with its result: about 90 µs per hop on a busy machine. A send
was five hops (BEGIN IMMEDIATE, lock query, max id, insert, COMMIT), a claim
or a settle three or more, and each held the connection's lock while the event
loop came round between them. Here the transaction body, the same repository
coroutine PostgreSQL awaits statement by statement, is run to its end on the
connection's thread in one call: its statements there complete at once, so
the coroutine never suspends and needs no event loop. Same SQL, same locks,
same commit before the caller resumes; only the hops between statements go.

The hop itself, a thread switch each way, came to cost more than the
statements of a send (about 130 µs against 170 µs on a slow machine). So
when the database syncs only at checkpoints (synchronous=NORMAL), the same
call first runs on the event loop's thread with the busy timeout at zero: a
few hundred microseconds of the loop's time, never a wait for another
process's lock, which sends the transaction on the hop as before.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import anyio

from swarmbus import errors
from swarmbus.storage import sqlite_wakeup
from swarmbus.storage.announcements import Named
from swarmbus.storage.connector import Params, Row, Statements
from swarmbus.storage.retrying import retry_transient
from swarmbus.storage.sqlite_checkpoint import BackgroundCheckpoint

T = TypeVar("T")
CHECKPOINT_COMMITS = 500  # ~10,000 log pages of single-message transactions
CHECKPOINT_ROWS = 5_000  # rows written: big batches fill the log faster
# After the event loop found the write lock taken (`OneHop._here`), the hop looks again
# after each of these pauses (seconds, 6.5 ms in all) before SQLite's own busy handler
# takes over, which sleeps 1, 2, 5, 10 ms... (18 ms by its fourth look) while a send,
# claim or settle holds the lock for a tenth of a millisecond (`bench/writers.py`).
PROMPT_PAUSES = (0.0001, 0.0002, 0.0004, 0.0008) + (0.001,) * 5
logger = logging.getLogger(__name__)
Body = Callable[[Statements], Awaitable[T]]
Translate = Callable[[sqlite3.Error], errors.StorageError]


class SqliteStatements:
    """The statement methods of both SQLite paths; `_call` says where they run.

    `DirectStatements` runs them on the calling thread (a one-hop body, or the
    event loop in `_here`); the connector in `storage.sqlite` sends each to the
    connection's own thread. Either way a statement runs to its end (`finished`).
    """

    dialect = "sqlite"

    async def _call(self, run: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    async def fetch_all(self, query: str, params: Params | None = None) -> list[Row]:
        return await self._call(fetch_rows, query, params or {})

    async def fetch_one(self, query: str, params: Params | None = None) -> Row | None:
        rows = await self.fetch_all(query, params)
        return rows[0] if rows else None

    async def execute(self, query: str, params: Params | None = None) -> int:
        return await self._call(execute_finished, query, params or {})

    async def execute_many(self, query: str, params: Iterable[Params]) -> int:
        return await self._call(execute_many_finished, query, list(params))

    async def execute_script(self, script: str) -> None:
        # sqlite3's executescript() would COMMIT the open transaction first, so
        # the script is split into complete statements and run one by one.
        from swarmbus.storage.sqlite import split_statements

        for statement in split_statements(script):
            await self.execute(statement)


class AnnouncedAtCommit:
    """The statements of a transaction, which keep what it announced for after its
    COMMIT (`announced`, None: nothing): a message named only if it is the one thing
    the transaction announced."""

    announced: bytes | None = None

    async def announce(self, named: Named | None = None) -> None:
        self.announced = sqlite_wakeup.datagram(named if self.announced is None else None)


class DirectStatements(AnnouncedAtCommit, SqliteStatements):
    """Statements on the raw sqlite3 connection, for code already on its thread.

    The methods are coroutines only so that repository code runs unchanged;
    none of them ever suspends.
    """

    def __init__(self, conn: sqlite3.Connection, location: str, error: Translate) -> None:
        self._conn = conn
        self.location = location
        self._error = error

    async def _call(self, run: Callable[..., T], *args: Any) -> T:
        try:
            return run(self._conn, *args)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc


def fetch_rows(conn: sqlite3.Connection, query: str, params: Params) -> list[Row]:
    return conn.execute(query, params).fetchall()


def finished(cursor: sqlite3.Cursor) -> int:
    """The row count of a statement run to its end, its cursor closed.

    A write left half-way (its RETURNING rows unread) stays in progress for as
    long as anything holds its cursor, aiosqlite's worker thread included, and
    every later COMMIT on the connection fails with SQLITE_BUSY.
    """
    try:
        cursor.fetchall()
        return cursor.rowcount
    finally:
        cursor.close()


def execute_finished(conn: sqlite3.Connection, query: str, params: Params) -> int:
    """`finished` of one statement, for running on the connection's thread."""
    return finished(conn.execute(query, params))


def execute_many_finished(conn: sqlite3.Connection, query: str, rows: list[Params]) -> int:
    return finished(conn.executemany(query, rows))


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends, run here without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a one-hop transaction body awaited something other than its statements")


def _transaction(
    conn: sqlite3.Connection,
    body: Body[T],
    first: Body[T | None] | None,
    tx: DirectStatements,
    prompt_ms: int | None = None,
) -> T:
    """On the connection's thread: `first`, else BEGIN IMMEDIATE, `body`, COMMIT.

    `prompt_ms`: the lock was just found taken; look for it again promptly
    (`_begin_promptly`), then wait the busy timeout, `prompt_ms`, as before.
    """
    if first is not None and (early := run_to_end(first(tx))) is not None:  # type: ignore[arg-type]
        return early
    if prompt_ms is None:
        _statement(conn, "BEGIN IMMEDIATE", tx)
    else:
        begin_immediate(conn, tx, prompt_ms)
    try:
        result = run_to_end(body(tx))  # type: ignore[arg-type]
        _statement(conn, "COMMIT", tx)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        tx.announced = None
        raise
    return result


def begin_immediate(conn: sqlite3.Connection, tx: DirectStatements, busy_timeout_ms: int) -> None:
    """BEGIN IMMEDIATE on `conn`'s thread: looked for promptly, then with the busy timeout
    (a hop after `_here` found the lock taken, and `SqliteConnector.transaction`)."""
    if not _begin_promptly(conn, tx, busy_timeout_ms):
        _statement(conn, "BEGIN IMMEDIATE", tx)


def _begin_promptly(conn: sqlite3.Connection, tx: DirectStatements, busy_timeout_ms: int) -> bool:
    """BEGIN IMMEDIATE, looked for after each of PROMPT_PAUSES without SQLite's busy
    handler; False: still taken (the connection's busy timeout is back in force)."""
    with _no_busy_wait(conn, busy_timeout_ms):
        for pause in PROMPT_PAUSES:
            try:
                _statement(conn, "BEGIN IMMEDIATE", tx)
                return True
            except errors.DatabaseBusy:
                time.sleep(pause)
        return False


@contextmanager
def _no_busy_wait(conn: sqlite3.Connection, busy_timeout_ms: int) -> Iterator[None]:
    """The block with the busy timeout at zero (a taken lock fails at once), then
    `busy_timeout_ms` again, however the block ends."""
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")


def _statement(conn: sqlite3.Connection, statement: str, tx: DirectStatements) -> None:
    try:
        conn.execute(statement)
    except sqlite3.Error as exc:
        raise tx._error(exc) from exc


async def one_hop(
    conn: aiosqlite.Connection,
    body: Body[T],
    first: Body[T | None] | None,
    tx: DirectStatements,
    prompt_ms: int | None = None,
) -> tuple[T, bytes | None]:
    """Run the transaction on `conn`'s thread through `tx`, its statements there; (its
    result, the wake-up it announced). `prompt_ms`: see `_transaction`.

    aiosqlite has no public call for running a function on its thread, so this
    uses the one every aiosqlite method goes through (`_execute`; the version
    is pinned below 0.23 in pyproject.toml).
    """
    result = await conn._execute(_transaction, conn._conn, body, first, tx, prompt_ms)
    return result, tx.announced


class OneHop:
    """`atomic` for the SQLite connector: its lock, connection and error translation."""

    _lock: anyio.Lock
    _conn: aiosqlite.Connection
    location: str
    busy_timeout_ms: int
    _commits: int = 0  # since the last checkpoint (`checkpoint_when_due`)
    _rows_at_checkpoint: int = 0
    _rows_seen: int = 0
    run_here: bool = False  # short transactions may run on the event loop's thread (`_here`)
    _busy_timeout_now: int  # the connection's busy timeout now (`_wait_for_locks`)
    # The wake-up socket of a `listen(woken_in_process=True)` on this connector: a
    # dispatcher, which shares the writer's Bus and so its in-process signal, set by
    # every announced write as well (`Outbox`, `Bus.retry`). Writes here skip it.
    own_socket: Path | None = None
    _checkpoints: BackgroundCheckpoint | None = None  # None: nothing to checkpoint (:memory:)
    _error: Translate

    async def atomic(
        self, body: Body[T], *, first: Body[T | None] | None = None, brief: bool = True
    ) -> T:
        """Run `body` as one write transaction: here if it is `brief` and the write lock
        is free, else in a single hop to the connection's thread.

        `first` runs before it in the same hop, outside the write lock (a read
        that finds nothing takes no lock other processes wait for); when it
        answers (not None), no transaction runs. A busy error rolls everything
        back, so the whole hop is retried like a busy BEGIN.
        """
        here = self.run_here and brief
        async with self._lock:
            done = self._here(body, first) if here else None
            if done is None:
                self._wait_for_locks(self.busy_timeout_ms)
                prompt = self.busy_timeout_ms if here else None  # (`_transaction`)
                done = await retry_transient(lambda: self._hop(body, first, prompt))
            self.checkpoint_when_due()
        result, wakeup = done
        if wakeup is not None:
            self.wake_others(wakeup)
        return result

    async def checkpoint_now(self) -> None:
        """A checkpoint of this connector's file, on the checkpoint thread, waited for."""
        if self._checkpoints is not None:
            await anyio.to_thread.run_sync(self._checkpoints.now)

    def wake_others(self, wakeup: bytes) -> None:
        """After a COMMIT: wake every dispatcher of the file but one listening on this
        connector, which its Bus's own signal wakes."""
        sqlite_wakeup.notify(self.location, skip=self.own_socket, payload=wakeup)

    def _here(self, body: Body[T], first: Body[T | None] | None) -> tuple[T, bytes | None] | None:
        """The transaction on the event loop's own thread, if the write lock is free now.

        A hop to the connection's thread and back costs more than the
        statements of a send, claim or settle (~130 µs against tens). With the
        busy timeout at zero the loop never waits for another process here: a
        lock held elsewhere gives None, and the hop waits for it instead.
        """
        raw = self._conn._conn
        tx = DirectStatements(raw, self.location, self._error)
        self._wait_for_locks(0)
        try:
            return _transaction(raw, body, first, tx), tx.announced
        except errors.DatabaseBusy:
            return None

    def _wait_for_locks(self, milliseconds: int) -> None:
        """Set the connection's busy timeout, unless it is set so already (the caller
        holds the lock). `_here` leaves it at zero for the next write on the loop; any
        other use of the connection puts the configured one back first. Setting it
        around every write was two of a send's seven statements."""
        if self._busy_timeout_now != milliseconds:
            self._conn._conn.execute(f"PRAGMA busy_timeout = {milliseconds}")
            self._busy_timeout_now = milliseconds

    def checkpoint_when_due(self) -> None:
        """After a write (the caller holds the lock): every CHECKPOINT_COMMITS commits
        that changed rows, or CHECKPOINT_ROWS rows, a PASSIVE checkpoint, run beside the
        writes on a connection of its own (`BackgroundCheckpoint`).

        The connection's own automatic checkpoint is off: it runs inside a COMMIT,
        which `_here` runs on the event loop (30 to 90 ms of checkpoint every few
        hundred commits, measured). A dispatcher's upkeep checkpoints every
        second anyway; this bounds the log in processes that run none.
        """
        rows = self._conn._conn.total_changes
        if rows == self._rows_seen:
            return  # nothing written (a pragma, a read, a no-op update)
        self._commits, self._rows_seen = self._commits + 1, rows
        if self._commits < CHECKPOINT_COMMITS and rows - self._rows_at_checkpoint < CHECKPOINT_ROWS:
            return
        self._commits, self._rows_at_checkpoint = 0, rows
        if self._checkpoints is not None:
            self._checkpoints.request()

    async def _hop(
        self, body: Body[T], first: Body[T | None] | None, prompt_ms: int | None = None
    ) -> tuple[T, bytes | None]:
        conn = self._conn
        tx = DirectStatements(conn._conn, self.location, self._error)
        with anyio.CancelScope(shield=True):  # once queued, the hop runs to its end anyway
            return await one_hop(conn, body, first, tx, prompt_ms)
