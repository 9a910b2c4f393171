"""The narrow interface between repositories and a database driver.

Repositories speak only to a `Connector`: single statements outside a
transaction, or several statements inside `transaction()`, which always takes
the write lock up front. Drivers translate their own exceptions into
`swarmbus.errors` at this boundary, so nothing above storage catches a driver
error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

Params = Mapping[str, Any]
Row = dict[str, Any]


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


class Connector(Statements, Protocol):
    """An open database: statements, write transactions, lifecycle."""

    def transaction(self) -> AbstractAsyncContextManager[Statements]: ...

    async def close(self) -> None: ...
