"""The narrow interface between repositories and a database driver.

Repositories speak only to a `Connector`: single statements outside a
transaction, or several statements inside `transaction()`, which always takes
the write lock up front (SQLite) or runs at READ COMMITTED with explicit row
locks (PostgreSQL). Drivers translate their own exceptions into
`swarmbus.errors` at this boundary, so nothing above storage catches a driver
error. Queries are named blocks of `queries.sql` with `:name` parameters; each
driver binds them its own way.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

from swarmbus.lifecycle import AsyncResource
from swarmbus.storage.announcements import Announcements, Named

Params = Mapping[str, Any]
Row = dict[str, Any]
T = TypeVar("T")


class Statements(Protocol):
    """What can run a statement: a connector, or an open transaction."""

    dialect: str
    location: str

    async def fetch_all(self, query: str, params: Params | None = None) -> list[Row]: ...

    async def fetch_one(self, query: str, params: Params | None = None) -> Row | None: ...

    async def execute(self, query: str, params: Params | None = None) -> int: ...

    async def execute_many(self, query: str, params: Iterable[Params]) -> int: ...

    async def execute_script(self, script: str) -> None:
        """Run several statements (a migration) in the current transaction."""
        ...

    async def announce(self, named: Named | None = None) -> None:
        """Tell listening dispatchers, once this transaction commits, that messages wait.

        `named`: the lane and id of the one message it stored, which a dispatcher may then
        take without reading the lanes (`storage.announcements`); SQLite's datagram
        carries it. PostgreSQL names a message in its one-statement send instead.
        """
        ...


class Connector(Statements, Protocol):
    """An open database: statements, write transactions, wake-ups, lifecycle."""

    idle_poll: float  # seconds an idle dispatcher may sleep before it looks anyway
    # the messages its wake-ups named (PostgreSQL's NOTIFY, SQLite's datagram)
    announcements: Announcements

    def transaction(self) -> AbstractAsyncContextManager[Statements]: ...

    async def atomic(
        self,
        body: Callable[[Statements], Awaitable[T]],
        *,
        first: Callable[[Statements], Awaitable[T | None]] | None = None,
        brief: bool = True,
    ) -> T:
        """`body`'s result, run as one write transaction (the hot paths: send, claim, settle).

        The body awaits nothing but its statements, so SQLite runs it whole in one
        call on its connection's thread, which holds the write lock for the
        statements alone. A `brief` body (a few indexed statements) runs on the
        event loop's thread instead when the write lock is free: the hop to the
        connection's thread and back cost more than it. A batch that takes
        milliseconds (indexing messages for search) is not brief.
        `first` runs before it, on its own and never
        retried: a read that finds nothing to do, or a whole write in one
        statement (its own transaction). When it answers (not None), that is
        the result and the body does not run.
        """
        ...

    async def listen(self, wake: Callable[[], None], *, woken_in_process: bool = False) -> None:
        """Call `wake` whenever another connection announces messages; runs until cancelled.

        `woken_in_process`: the caller learns of this connector's own writes another
        way (a dispatcher, through its Bus's in-process signal), so SQLite's writes
        here skip its wake-up socket: a second wake-up only cost an empty claim.
        """
        ...

    async def change_marker(self) -> object:
        """A value that changes when another connection commits (None: cannot tell)."""
        ...

    async def upkeep(self) -> None:
        """Housekeeping a running dispatcher does on the side (may return at once)."""
        ...

    async def close(self) -> None: ...


class ConnectorLifecycle(AsyncResource):
    """`async with` closes a connector; one collected while still open is reported."""

    location: str
    _handle_attribute: str  # the driver handle, None once closed

    def __del__(self) -> None:
        if getattr(self, self._handle_attribute, None) is not None:
            warnings.warn(
                f"database {self.location} was not closed; use 'async with' or close()",
                ResourceWarning,
                stacklevel=1,
            )
