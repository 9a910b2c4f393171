"""Pooled PostgreSQL connections kept at hand between statements.

asyncpg's `Pool.acquire` and `Pool.release` cost about 60 µs of client CPU per
statement (a proxy object, an inactivity timer, and a task for the shielded
release), which is almost as much as the statement itself on a sequential path: a
send, a claim, a settle. `ReusedConnections` keeps a few released connections and
hands them straight to the next statement. Everything else stays the pool's:
connecting (several hosts included), the session codecs, resets and closing.

A connection goes back to the pool instead of being kept when anyone waits on
the pool (so nobody starves while connections sit idle here), when its statement
failed or was cancelled (the pool resets or discards it), when it sat idle here
longer than `IDLE_LIMIT` (the server may have timed it out), and when enough are
kept already. One the server closed meanwhile is dropped when next taken (asyncpg
has put it back in the pool already).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio

KEEP = 4  # connections kept at most
IDLE_LIMIT = 30.0  # seconds a kept connection may sit unused before the pool takes it back


class ReusedConnections:
    """Connections from `pool`, kept between uses while nobody waits for one."""

    def __init__(
        self, pool: Any, location: str, *, keep: int = KEEP, idle_limit: float = IDLE_LIMIT
    ) -> None:
        self._pool = pool
        self.location = location
        self.closed = False
        self._keep = keep
        self._idle_limit = idle_limit
        self._kept: list[tuple[float, Any]] = []  # (when it was put back, connection)
        self._waiting = 0  # callers inside pool.acquire()

    async def take(self) -> Any:
        """A connection for one statement or one transaction; `give_back` it afterwards."""
        if self.closed:
            raise ValueError(f"database {self.location} is not open")
        now = time.monotonic()
        while self._kept:
            since, conn = self._kept.pop()
            if now - since < self._idle_limit and _usable(conn):
                return conn
            await self._pool.release(conn)  # one the pool took back already: nothing
        self._waiting += 1
        try:
            return await self._pool.acquire()
        finally:
            self._waiting -= 1

    @asynccontextmanager
    async def lent(self, conn: Any) -> AsyncIterator[Any]:
        """`conn` for the block, given back when it ends: clean only if the block completed."""
        try:
            yield conn
        except BaseException:
            await self.give_back(conn, clean=False)
            raise
        await self.give_back(conn, clean=True)

    async def give_back(self, conn: Any, *, clean: bool) -> None:
        """Keep `conn` for the next caller, or release it to the pool. `clean`: its last
        statement completed (a failed or cancelled one leaves the pool to reset it)."""
        reusable = clean and _usable(conn) and not conn.is_in_transaction()
        if reusable and not self.closed and not self._waiting and len(self._kept) < self._keep:
            self._kept.append((time.monotonic(), conn))
            return
        with anyio.CancelScope(shield=True):
            await self._pool.release(conn)

    async def close(self) -> None:
        """Give every kept connection back (the pool's close waits for them); hand out
        no more."""
        self.closed = True
        kept, self._kept = self._kept, []
        with anyio.CancelScope(shield=True):
            for _, conn in kept:
                await self._pool.release(conn)


def _usable(conn: Any) -> bool:
    """Open and still lent to us. When the server closes a connection, asyncpg gives it
    back to the pool itself, and every call on the proxy we hold then raises (so four
    kept connections, all cut at once, failed the next four statements)."""
    import asyncpg

    try:
        return not conn.is_closed()
    except asyncpg.InterfaceError:  # "connection has been released back to the pool"
        return False
