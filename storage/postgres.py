"""The PostgreSQL connector (asyncpg): one database shared by the swarm's machines.

Queries keep the `:name` parameters of the SQLite file and are bound as
`$1, $2…` here. Times travel as text in swarmbus's one format and JSON as
text (codecs on every pooled connection), so rows look the same whichever
backend produced them. Wake-ups are LISTEN/NOTIFY. A dropped connection is
replaced by the pool, and single statements are retried on a new one. Connections
return to the pool through `ReusedConnections`, which keeps a few at hand.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import anyio

from swarmbus import errors
from swarmbus.model import timefmt
from swarmbus.storage import queries as sql
from swarmbus.storage.announcements import Announcements, Named
from swarmbus.storage.connector import ConnectorLifecycle, Params, Row, Statements
from swarmbus.storage.postgres_errors import driver, from_driver, translate
from swarmbus.storage.postgres_reuse import ReusedConnections
from swarmbus.storage.postgres_url import check_url, redacted
from swarmbus.storage.retrying import retry_transient

logger = logging.getLogger(__name__)

POOL_MIN = 1  # connections kept open
POOL_MAX = 10  # connections at most, per process
IDLE_POLL = 1.0  # seconds between safety claims of an idle dispatcher (NOTIFY wakes it sooner)
LISTEN_RETRY_MAX = 10.0  # seconds between attempts to re-open the LISTEN connection
CHANNEL = "swarmbus_messages"
_PARAM = re.compile(r"'(?:[^']|'')*'|::|:([A-Za-z_][A-Za-z0-9_]*)")
_STATUS_COUNT = re.compile(r"(\d+)$")


@functools.lru_cache(maxsize=512)
def compile_query(query: str) -> tuple[str, tuple[str, ...]]:
    """`:name` parameters to `$n` (quoted text and `::` casts left alone)."""
    names: list[str] = []

    def bind(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PARAM.sub(bind, query), tuple(names)


def _time_in(value: Any) -> str:
    return timefmt.to_text(value) if isinstance(value, datetime) else str(value)


# The server's text for a timestamptz in the session's UTC: 2026-11-29 03:17:00.1+00.
_SERVER_UTC = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00")


def _time_out(text: str) -> str:
    """The server's UTC text rearranged into swarmbus's, without a datetime in between:
    claims return whole rows, and parsing and formatting their times took 13% of the
    client's CPU with many senders (py-spy). Anything else takes the general way."""
    match = _SERVER_UTC.fullmatch(text)
    if match is None:
        return timefmt.to_text(datetime.fromisoformat(text))
    day, clock, fraction = match.groups()
    return f"{day}T{clock}.{(fraction or '').ljust(3, '0')[:3]}Z"


def _json_in(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value)


async def _prepare(conn: Any) -> None:
    """Codecs so rows carry swarmbus's time text and JSON text, as SQLite's do."""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_json_in, decoder=str, schema="pg_catalog", format="text"
        )
    await conn.set_type_codec(
        "timestamptz", encoder=_time_in, decoder=_time_out, schema="pg_catalog", format="text"
    )


async def _keep_session(conn: Any) -> None:
    """Release a connection without asyncpg's reset query, a round trip per statement.

    Pooled connections hold no session state to reset: advisory locks are
    transaction-scoped and LISTEN has a connection of its own. asyncpg still
    rolls back a transaction left open.
    """


class _PgStatements:
    """Statements over one connection (a transaction) or reused pooled connections."""

    dialect = "postgres"
    location: str

    async def fetch_all(self, query: str, params: Params | None = None) -> list[Row]:
        text, args = _bind(query, params)
        records = await self._call(lambda runner: runner.fetch(text, *args))
        return [dict(record) for record in records]

    async def fetch_one(self, query: str, params: Params | None = None) -> Row | None:
        rows = await self.fetch_all(query, params)
        return rows[0] if rows else None

    async def execute(self, query: str, params: Params | None = None) -> int:
        text, args = _bind(query, params)
        status = await self._call(lambda runner: runner.execute(text, *args))
        match = _STATUS_COUNT.search(status or "")
        return int(match.group(1)) if match else 0

    async def execute_many(self, query: str, params: Iterable[Params]) -> int:
        rows = [_bind(query, row)[1] for row in params]
        if rows:
            text = compile_query(query)[0]
            await self._call(lambda runner: runner.executemany(text, rows))
        return len(rows)  # asyncpg reports no row count for executemany

    async def execute_script(self, script: str) -> None:
        await self._call(lambda runner: runner.execute(script))

    async def announce(self, named: Named | None = None) -> None:
        """A notification that names nothing: sends name theirs in `send_messages`."""
        await self.fetch_all(sql.load(self.dialect)["announce_messages"])

    async def _call(self, operation: Callable[[Any], Awaitable[Any]]) -> Any:
        raise NotImplementedError


async def _translated(operation: Callable[[], Any], location: str) -> Any:
    """Await `operation`, turning a driver error into the swarmbus error for it."""
    try:
        return await operation()
    except Exception as exc:
        if not from_driver(exc):
            raise
        raise translate(exc, location) from exc


async def _listen_once(url: str, location: str, woken: Callable[[str], None]) -> None:
    """LISTEN until the connection closes (then raise ConnectionLost); `woken` gets each
    notification's payload."""
    import asyncpg

    conn = await _translated(lambda: asyncpg.connect(url, server_settings=_settings()), location)
    closed = anyio.Event()
    conn.add_termination_listener(lambda _conn: closed.set())
    try:
        heard = lambda _conn, _pid, _channel, payload: woken(payload)  # noqa: E731
        await _translated(lambda: conn.add_listener(CHANNEL, heard), location)
        woken("")  # whatever was announced while we were not listening
        await closed.wait()
    finally:
        with anyio.CancelScope(shield=True):
            await conn.close(timeout=2)
    raise errors.ConnectionLost(f"the LISTEN connection to {location} closed")


def _hearing(announcements: Announcements, wake: Callable[[], None]) -> Callable[[str], None]:
    """What a notification does: note the message it names, then wake the dispatcher."""

    def woken(payload: str) -> None:
        if announcements.hear(payload):
            wake()

    return woken


class _PgTransaction(_PgStatements):
    def __init__(self, conn: Any, location: str) -> None:
        self._conn = conn
        self.location = location

    async def _call(self, operation: Callable[[Any], Awaitable[Any]]) -> Any:
        return await _translated(lambda: operation(self._conn), self.location)


class _PgReused(_PgStatements):
    """Single statements, each on a connection `ReusedConnections` hands out; not retried."""

    def __init__(self, connections: ReusedConnections, location: str) -> None:
        self._connections = connections
        self.location = location

    async def _call(self, operation: Callable[[Any], Awaitable[Any]]) -> Any:
        async def on_a_connection() -> Any:
            async with self._connections.lent(await self._connections.take()) as conn:
                return await operation(conn)

        return await _translated(on_a_connection, self.location)


def _bind(query: str, params: Params | None) -> tuple[str, list[Any]]:
    text, names = compile_query(query)
    values = params or {}
    missing = [name for name in names if name not in values]
    if missing:
        raise ValueError(f"query needs parameters {missing}")
    return text, [values[name] for name in names]


class PostgresConnector(_PgStatements, ConnectorLifecycle):
    """A pool of connections to one PostgreSQL database. Create one with `connect`."""

    idle_poll = IDLE_POLL
    _handle_attribute = "_pool"

    def __init__(self, pool: Any, url: str) -> None:
        self._pool: Any = pool
        self.url = url
        self.location = redacted(url)
        self._connections = ReusedConnections(pool, self.location)
        self._once = _PgReused(self._connections, self.location)
        self.announcements = Announcements()

    async def fetch_all(self, query: str, params: Params | None = None) -> list[Row]:
        return await retry_transient(
            lambda: super(PostgresConnector, self).fetch_all(query, params)
        )

    async def execute(self, query: str, params: Params | None = None) -> int:
        return await retry_transient(lambda: super(PostgresConnector, self).execute(query, params))

    async def _call(self, operation: Callable[[Any], Awaitable[Any]]) -> Any:
        return await self._once._call(operation)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_PgTransaction]:
        """Run the block as one transaction on one pooled connection."""
        taking = self._connections.take
        conn = await retry_transient(lambda: _translated(taking, self.location))
        async with self._connections.lent(conn), _atomic(conn, self.location):
            yield _PgTransaction(conn, self.location)

    async def atomic(
        self, body: Callable[[Any], Any], *, first: Any = None, brief: bool = True
    ) -> Any:
        """`first` as single statements (never retried: a write's outcome may be
        unknown), else `body` in a transaction (`brief` says nothing here)."""
        if first is not None and (early := await first(self._once)) is not None:
            return early
        async with self.transaction() as tx:
            return await body(tx)

    async def listen(self, wake: Callable[[], None], *, woken_in_process: bool = False) -> None:
        """LISTEN on a connection of its own, re-opened whenever it drops."""
        delay = 0.25
        while True:
            try:
                await _listen_once(self.url, self.location, _hearing(self.announcements, wake))
                delay = 0.25
            except errors.StorageError as exc:
                logger.warning(
                    "LISTEN connection to %s failed (%s); again in %.1f s",
                    self.location,
                    exc,
                    delay,
                    extra={"action": "listen_retry"},
                )
                await anyio.sleep(delay)
                delay = min(delay * 2, LISTEN_RETRY_MAX)

    async def change_marker(self) -> object:
        return None  # NOTIFY wakes dispatchers; the idle poll claims without asking

    async def upkeep(self) -> None:
        """Index new messages' text and merge the entries into the trigram indexes every
        second; the server checkpoints and vacuums on its own."""
        from swarmbus.storage.search import keep_index_current  # imports no connector

        await keep_index_current(self)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await self._connections.close()
            await pool.close()


@asynccontextmanager
async def _atomic(conn: Any, location: str) -> AsyncIterator[None]:
    """BEGIN … COMMIT on `conn`; any exception, cancellation included, rolls back."""
    transaction = conn.transaction()
    try:
        await transaction.start()
        yield
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            await _rollback(transaction, location)
        if from_driver(exc):
            raise translate(exc, location) from exc
        raise
    with anyio.CancelScope(shield=True):
        try:
            await transaction.commit()
        except Exception as exc:
            raise translate(exc, location) from exc


async def _rollback(transaction: Any, location: str) -> None:
    try:
        await transaction.rollback()
    except Exception:  # not started, or the connection is gone: the server rolls back anyway
        logger.debug("rollback on %s failed", location, exc_info=True)


def application_name(pid: int | None = None) -> str:
    """How this process's connections appear in pg_stat_activity."""
    return f"swarmbus[{os.getpid() if pid is None else pid}]"


def _settings() -> dict[str, str]:
    return {"TimeZone": "UTC", "application_name": application_name()}


async def database_size(connector: Statements) -> int:
    """Bytes the database takes on the server."""
    row = await connector.fetch_one(sql.load("postgres")["database_size"])
    return int(row["size_bytes"]) if row else 0


def is_postgres_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


async def connect(url: str) -> PostgresConnector:
    """Open a pool on `url` (postgresql://user@host:port/database)."""
    check_url(url)
    location = redacted(url)
    asyncpg = driver(location)
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=POOL_MIN,
            max_size=POOL_MAX,
            init=_prepare,
            reset=_keep_session,
            server_settings={"TimeZone": "UTC"},
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        error = translate(exc, location)
        if isinstance(error, errors.ConnectionLost):
            error = errors.DatabaseUnavailable(f"cannot connect to {location} ({exc})")
        raise error from exc
    except ValueError as exc:  # a malformed URL
        raise errors.DatabaseUnavailable(f"database URL {location!r}: {exc}") from exc
    return PostgresConnector(pool, url)
