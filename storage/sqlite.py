"""The SQLite connector: one aiosqlite connection set up for many processes.

WAL lets readers and one writer work at once across processes; every write
runs in `BEGIN IMMEDIATE`, so it takes the write lock before reading anything
and cannot deadlock on a lock upgrade; `busy_timeout` makes SQLite wait for
that lock; what still fails as busy is retried a bounded number of times.
Inside one process, a lock serialises transactions on the shared connection
(aiosqlite runs statements in order, but two tasks' transactions would
otherwise interleave).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

import aiosqlite
import anyio

from swarmbus import errors
from swarmbus.storage import sqlite_checkpoint, sqlite_wakeup
from swarmbus.storage.announcements import Announcements, Named
from swarmbus.storage.connector import ConnectorLifecycle, Params, Row
from swarmbus.storage.retrying import retry_transient as retry_busy
from swarmbus.storage.sqlite_checkpoint import LOG_FILE_BYTES
from swarmbus.storage.sqlite_errors import BUSY_TIMEOUT_MS, translate
from swarmbus.storage.sqlite_hop import (
    AnnouncedAtCommit,
    DirectStatements,
    OneHop,
    SqliteStatements,
    begin_immediate,
)

logger = logging.getLogger(__name__)

NO_SOCKET_POLL = 0.01  # seconds between data_version reads when no wake-up socket binds
IDLE_POLL = 0.25  # seconds an idle dispatcher sleeps before checking data_version itself
# Page cache per connection: SQLite's default. 16 MiB measured no faster (claim and
# settle with 10,000 pending or 100,000 delivered, sends from 256 tasks) and was most of
# a dispatcher's resident growth as history built up (+21.6 MiB by 100,000 messages).
CACHE_KIB = 2_048
# Temporary files in memory. A statement inside a transaction that may fail a constraint
# half-way journals the pages it changes again (those earlier statements of the
# transaction changed), so a failure undoes it alone; past 64 KiB SQLite keeps that
# journal in a temporary file: 20 write calls per message of a batched send, the largest
# cost of a delivered message (bench/throughput.py, 256 senders: 3,428 -> 6,380 msgs/s).
# VACUUM puts them back on disk (`temp_files_on_disk`): it copies the whole database.
TEMP_STORE = "MEMORY"
# SQLite's automatic checkpoint runs inside the COMMIT that grows the log past its
# limit: tens of milliseconds, on the event loop when the commit runs there
# (`sqlite_hop`). Off: `checkpoint_when_due` and a dispatcher's `upkeep` do it instead.
AUTOCHECKPOINT_PAGES = 0
CHECKPOINT_EVERY = 1.0  # seconds between a dispatcher's background checkpoints
# The upkeep's connection only appends new messages to the search index: a small page
# cache indexes 30,000 messages in 0.40 s against 0.37 s with the default 2 MiB, and
# keeps 1.9 MiB off a dispatcher's resident growth (bench/memory.py, 300,000 messages).
UPKEEP_CACHE_KIB = 256

Synchronous = Literal["normal", "full"]
T = TypeVar("T")
_Translate = Callable[[sqlite3.Error], errors.StorageError]


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> Row:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


class _Statements(SqliteStatements):
    """Statements sent to the connection's own thread; translation of driver errors."""

    _conn: aiosqlite.Connection
    location: str
    busy_timeout_ms: int = BUSY_TIMEOUT_MS

    async def _call(self, run: Callable[..., T], *args: Any) -> T:
        conn = self._conn
        try:
            return await conn._execute(run, conn._conn, *args)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    async def announce(self, named: Named | None = None) -> None:
        sqlite_wakeup.notify(self.location, payload=sqlite_wakeup.datagram(named))

    def _error(self, exc: sqlite3.Error) -> errors.StorageError:
        return translate(exc, self.location, self.busy_timeout_ms)


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (triggers stay whole)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in pending.splitlines()
    ):
        raise ValueError(f"incomplete SQL statement at the end: {pending.strip()[:80]!r}")
    return statements


class _Transaction(AnnouncedAtCommit, _Statements):
    def __init__(self, conn: aiosqlite.Connection, location: str, busy_timeout_ms: int) -> None:
        self._conn = conn
        self.location = location
        self.busy_timeout_ms = busy_timeout_ms


class SqliteConnector(_Statements, OneHop, ConnectorLifecycle):
    """An open SQLite database file, shared safely with other processes.

    Create one with `connect`. Single statements take the same lock as
    transactions, so they never land inside another task's open transaction
    on this shared connection.
    """

    idle_poll = IDLE_POLL
    _handle_attribute = "_conn_or_none"

    def __init__(
        self, conn: aiosqlite.Connection, location: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> None:
        self._conn_or_none: aiosqlite.Connection | None = conn
        self.location = location
        self.busy_timeout_ms = busy_timeout_ms
        self._busy_timeout_now = busy_timeout_ms  # the first of `connect`'s settings
        self._lock = anyio.Lock()
        # what this connector's wake-up socket heard (`listen`): messages sent alone
        self.announcements = Announcements()
        if location != ":memory:":
            self._checkpoints = sqlite_checkpoint.shared(location)

    @property
    def _conn(self) -> aiosqlite.Connection:  # type: ignore[override]
        if self._conn_or_none is None:
            raise ValueError(f"database {self.location} is not open")
        return self._conn_or_none

    async def close(self) -> None:
        """Close the connection; safe to call twice.

        Shielded: a close cut short by a cancellation would leave the connection's
        thread finishing statements for an event loop that may be gone by then.
        """
        conn, self._conn_or_none = self._conn_or_none, None
        checkpoints, self._checkpoints = self._checkpoints, None
        with anyio.CancelScope(shield=True):  # a statement waits at most the busy timeout
            if conn is not None:
                await conn.close()
            if checkpoints is not None:
                await anyio.to_thread.run_sync(sqlite_checkpoint.release, checkpoints)

    async def listen(self, wake: Callable[[], None], *, woken_in_process: bool = False) -> None:
        """Wake on other processes' datagrams; without a socket, poll `data_version`."""
        listener = sqlite_wakeup.Listener(self.location)
        if listener.open():
            if woken_in_process:
                self.own_socket = listener.path
            try:
                await listener.serve(wake, self.announcements.hear)
            finally:
                if self.own_socket == listener.path:
                    self.own_socket = None
                listener.close()
        marker = await self.change_marker()
        while True:  # no Unix socket here: a cheap pragma read every few milliseconds
            await anyio.sleep(NO_SOCKET_POLL)
            if (current := await self.change_marker()) != marker:
                marker = current
                wake()

    async def change_marker(self) -> object:
        return await pragma(self, "data_version")

    async def upkeep(self) -> None:
        """Index new messages for search and checkpoint the log in the background, so no
        send or delivery pays for either."""
        if self.location != ":memory:":
            await keep_log_short(self.location)

    async def fetch_all(self, query: str, params: Params | None = None) -> list[Row]:
        async with self._lock:
            self._wait_for_locks(self.busy_timeout_ms)
            return await retry_busy(lambda: super(SqliteConnector, self).fetch_all(query, params))

    async def execute(self, query: str, params: Params | None = None) -> int:
        async with self._lock:
            self._wait_for_locks(self.busy_timeout_ms)
            changed = await retry_busy(lambda: super(SqliteConnector, self).execute(query, params))
            self.checkpoint_when_due()
            return changed

    async def execute_many(self, query: str, params: Iterable[Params]) -> int:
        rows = list(params)
        async with self.transaction() as tx:
            return await tx.execute_many(query, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Transaction]:
        """Run the block as one write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``).

        Any exception, cancellation included, rolls the whole block back.
        """
        async with self._lock:
            conn = self._conn
            self._wait_for_locks(self.busy_timeout_ms)
            try:
                direct = DirectStatements(conn._conn, self.location, self._error)
                await retry_busy(lambda: _begin(conn, direct, self.busy_timeout_ms))
                transaction = _Transaction(conn, self.location, self.busy_timeout_ms)
                yield transaction
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await _rollback(conn)
                raise
            with anyio.CancelScope(shield=True):
                await _commit(conn, self._error)
                self.checkpoint_when_due()
            if transaction.announced is not None:
                self.wake_others(transaction.announced)


async def pragma(connector: SqliteConnector, name: str) -> Any:
    """The value of a pragma (first column of the first row)."""
    row = await connector.fetch_one(f"PRAGMA {name}")
    return None if row is None else next(iter(row.values()))


async def keep_log_short(location: str, every: float = CHECKPOINT_EVERY) -> None:
    """Whenever `location` changed: index the messages stored since (full-text search
    defers that work off `send`), then checkpoint the write-ahead log; until cancelled.

    Runs on connections (so threads) of its own; indexing takes the write
    lock a short batch at a time, and checkpoints copy back what they can
    without waiting, except that a long log is started over
    (`sqlite_checkpoint.checkpoint`).
    """
    checkpointer = await connect(location)  # its checkpoints: those of every connector here
    try:
        await checkpointer.execute(f"PRAGMA cache_size = -{UPKEEP_CACHE_KIB}")
        marker: object = None  # the first round checkpoints what earlier commits left
        while True:
            await anyio.sleep(every)
            if (current := await checkpointer.change_marker()) == marker:
                continue
            marker = current  # (this connection's own commits do not change it)
            await _index_new_messages(checkpointer)
            await checkpointer.checkpoint_now()  # (a failed one waits for the next round)
    finally:
        with anyio.CancelScope(shield=True):  # cancelled is how it ends: close it still
            await checkpointer.close()


async def _index_new_messages(connector: SqliteConnector) -> None:
    """Bring the search index up to date; a failure waits for the next round (or search)."""
    from swarmbus.storage.search import SearchRepository

    try:
        await SearchRepository(connector).catch_up()
    except errors.StorageError as exc:
        logger.debug("background indexing of %s failed: %s", connector.location, exc)


async def enable_wal(connector: SqliteConnector) -> None:
    """Switch the file to write-ahead logging (persistent; a no-op when already on)."""
    if connector.location != ":memory:" and await pragma(connector, "journal_mode") != "wal":
        await connector.execute("PRAGMA journal_mode = WAL")


async def connect(
    path: str | Path,
    *,
    synchronous: Synchronous = "normal",
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> SqliteConnector:
    """Open `path` with the settings every swarmbus connection uses.

    :param synchronous: ``"normal"`` (durable across process crashes) or
        ``"full"`` (also across power loss).
    :param busy_timeout_ms: how long SQLite waits for another process's lock.
    """
    location = str(path)
    _check_location(Path(path), location)
    try:
        with anyio.CancelScope(shield=True):  # see `SqliteConnector.close`
            conn = await aiosqlite.connect(location, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise translate(exc, location) from exc
    conn.row_factory = _dict_row
    connector = SqliteConnector(conn, location, int(busy_timeout_ms))
    connector.run_here = synchronous == "normal"  # FULL syncs each commit: not on the loop
    try:
        for pragma in _settings(synchronous, int(busy_timeout_ms)):
            await connector.execute(f"PRAGMA {pragma}")
    except BaseException:
        await connector.close()
        raise
    return connector


def _settings(synchronous: Synchronous, busy_timeout_ms: int) -> tuple[str, ...]:
    """The pragmas every connection sets: connection settings only, none writes the file."""
    return (
        f"busy_timeout = {busy_timeout_ms}",
        f"synchronous = {synchronous.upper()}",
        "foreign_keys = ON",
        f"wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}",
        f"cache_size = -{CACHE_KIB}",
        f"temp_store = {TEMP_STORE}",
        f"journal_size_limit = {LOG_FILE_BYTES}",
    )


def _check_location(path: Path, location: str) -> None:
    if location == ":memory:":
        return
    if not path.parent.is_dir():
        raise errors.DatabaseUnavailable(
            f"cannot create database {location}: directory {path.parent} does not exist"
        )
    if path.is_dir():
        raise errors.DatabaseUnavailable(f"cannot open database {location}: it is a directory")


async def _begin(conn: aiosqlite.Connection, tx: DirectStatements, busy_timeout_ms: int) -> None:
    """BEGIN IMMEDIATE on the connection's thread, looked for promptly (`sqlite_hop`)."""
    await conn._execute(begin_immediate, conn._conn, tx, busy_timeout_ms)


async def _commit(conn: aiosqlite.Connection, error: _Translate) -> None:
    try:
        await conn.execute("COMMIT")
    except sqlite3.Error as exc:
        await _rollback(conn)
        raise error(exc) from exc


async def _rollback(conn: aiosqlite.Connection) -> None:
    # Runs after whatever is still queued on the connection's thread, so a
    # BEGIN that completed after a cancellation is rolled back too.
    try:
        await conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "no transaction is active" not in str(exc):
            raise
