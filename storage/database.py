"""Open a swarmbus database: connect, check or upgrade the schema, expose the repositories."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swarmbus import errors
from swarmbus.lifecycle import AsyncResource
from swarmbus.storage import migrations
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector
from swarmbus.storage.sqlite import BUSY_TIMEOUT_MS, Synchronous, connect, enable_wal

if TYPE_CHECKING:
    from swarmbus.storage.audits import AuditRepository
    from swarmbus.storage.checks import IntegrationTestRepository
    from swarmbus.storage.claims import ClaimRepository
    from swarmbus.storage.commands import CommandRepository
    from swarmbus.storage.leases import LeaseRepository
    from swarmbus.storage.messages import MessageRepository
    from swarmbus.storage.systems import SystemRepository
    from swarmbus.storage.workspaces import WorkspaceRepository

SQLITE_PREFIX = "sqlite:///"


@dataclass(frozen=True)
class DatabaseInfo:
    """What `swarmbus db status` shows."""

    location: str
    dialect: str
    schema_version: int
    latest_version: int
    journal_mode: str
    size_bytes: int
    row_counts: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Database(AsyncResource):
    """An open, migrated database and its repositories, one per table.

    Repositories are built on first use, so a short command (`swarmbus send`)
    imports only the tables it touches.
    """

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.location = connector.location

    @cached_property
    def workspaces(self) -> WorkspaceRepository:
        from swarmbus.storage.workspaces import WorkspaceRepository

        return WorkspaceRepository(self.connector)

    @cached_property
    def messages(self) -> MessageRepository:
        from swarmbus.storage.messages import MessageRepository

        return MessageRepository(self.connector)

    @cached_property
    def claims(self) -> ClaimRepository:
        from swarmbus.storage.claims import ClaimRepository

        return ClaimRepository(self.connector)

    @cached_property
    def leases(self) -> LeaseRepository:
        from swarmbus.storage.leases import LeaseRepository

        return LeaseRepository(self.connector)

    @cached_property
    def systems(self) -> SystemRepository:
        from swarmbus.storage.systems import SystemRepository

        return SystemRepository(self.connector)

    @cached_property
    def commands(self) -> CommandRepository:
        from swarmbus.storage.commands import CommandRepository

        return CommandRepository(self.connector)

    @cached_property
    def audits(self) -> AuditRepository:
        from swarmbus.storage.audits import AuditRepository

        return AuditRepository(self.connector)

    @cached_property
    def checks(self) -> IntegrationTestRepository:
        from swarmbus.storage.checks import IntegrationTestRepository

        return IntegrationTestRepository(self.connector)

    async def close(self) -> None:
        await self.connector.close()


def sqlite_file(location: str, what: str) -> Path:
    """The SQLite file behind `location`, for commands that work on the file itself."""
    from swarmbus.storage import postgres

    if postgres.is_postgres_url(location):
        raise errors.UsageError(
            f"'{what}' works on an SQLite file, and this swarm's database is PostgreSQL "
            f"({postgres.redacted(location)}); use pg_dump/pg_restore there, or "
            f"'swarmbus db copy' to take an SQLite snapshot"
        )
    return sqlite_path(location)


def sqlite_path(location: str | os.PathLike[str]) -> Path:
    """The file a database location names (a path or ``sqlite:///path``)."""
    text = os.fspath(location)
    if text.startswith(SQLITE_PREFIX):
        text = text[len(SQLITE_PREFIX) :]
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise errors.DatabaseUnavailable(
            f"database URL {text!r}: scheme {scheme!r} is not supported; "
            f"use a file path, sqlite:///path or postgresql://user@host/database"
        )
    return Path(text).expanduser()


async def open_database(
    location: str | os.PathLike[str],
    *,
    synchronous: Synchronous = "normal",
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    migrate: bool = True,
    create: bool = True,
) -> Database:
    """Open and migrate the database at `location`; with `create`, make it if there is none.

    A path or ``sqlite:///path`` opens SQLite; ``postgresql://…`` opens
    PostgreSQL. A database written by a newer swarmbus is refused before
    anything is written. Without `create`, a missing file, or one (or a
    PostgreSQL database) without swarmbus's schema, is refused with
    `DatabaseMissing`, and nothing is created: commands that only read must
    not turn a mistyped path into an empty swarm.
    """
    if not create:
        require_database(location)
    connector = await _connect(os.fspath(location), synchronous, busy_timeout_ms)
    try:
        # Checked before WAL is switched on: a refused database stays byte for byte as it was.
        version = await migrations.ensure_supported(connector)
        if not create and version == 0:
            raise missing(connector.location)
        if connector.dialect == "sqlite":
            await enable_wal(connector)  # type: ignore[arg-type]
        if migrate:
            await migrations.migrate(connector)
    except BaseException:
        await connector.close()
        raise
    return Database(connector)


def missing(location: str) -> errors.DatabaseMissing:
    return errors.DatabaseMissing(
        f"no swarmbus database at {location} (run 'swarmbus init' to create one, or check the path)"
    )


def require_database(location: str | os.PathLike[str]) -> None:
    """Refuse a database file that is not there (PostgreSQL is only checked once connected)."""
    from swarmbus.storage import postgres

    text = os.fspath(location)
    if text == ":memory:" or postgres.is_postgres_url(text):
        return
    path = sqlite_path(text)
    if not path.is_file():
        raise missing(str(path))


async def _connect(location: str, synchronous: Synchronous, busy_timeout_ms: int) -> Connector:
    from swarmbus.storage import postgres

    if postgres.is_postgres_url(location):
        return await postgres.connect(location)
    return await connect(
        sqlite_path(location), synchronous=synchronous, busy_timeout_ms=busy_timeout_ms
    )


async def size_bytes(db: Database) -> int:
    """What the database takes: the file and its log (SQLite), or the server's count."""
    if db.connector.dialect != "sqlite":
        from swarmbus.storage import postgres

        return await postgres.database_size(db.connector)
    path = Path(db.location)
    return sum(p.stat().st_size for p in (path, Path(f"{db.location}-wal")) if p.exists())


async def describe(db: Database) -> DatabaseInfo:
    """Schema version, row counts, size and journal mode."""
    connector = db.connector
    queries = sql.load(connector.dialect)
    rows = await connector.fetch_all(queries["count_rows"])
    journal = await connector.fetch_one(queries["journal_mode"])
    return DatabaseInfo(
        location=db.location,
        dialect=connector.dialect,
        schema_version=await migrations.current_version(connector),
        latest_version=migrations.latest_version(connector.dialect),
        journal_mode=str(next(iter(journal.values()))) if journal else "unknown",
        size_bytes=await size_bytes(db),
        row_counts={row["table_name"]: row["n"] for row in rows},
    )
