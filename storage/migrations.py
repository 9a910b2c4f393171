"""Schema migrations: numbered SQL files applied in order, each in one transaction.

Files are named ``NNNN_snake_description.sql`` and live in
``sql/<dialect>/migrations/``. Applied versions are recorded in
``schema_migrations``. A database newer than this code is refused before
anything is written; a migration that fails rolls back entirely.

Versions increase but may leave gaps: features built side by side on branches
each take a number, and a branch may ship 0004 before 0003 exists. So what
runs is every packaged migration the database has not recorded, in version
order (a database at 1, 2, 4 gets 3 once it ships), and a database that
recorded a version this code does not ship (written by another branch or a
newer swarmbus) is refused like a newer one.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

from swarmbus import errors
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector, Statements

logger = logging.getLogger(__name__)

FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9]+(?:_[a-z0-9]+)*)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered migration file."""

    version: int
    name: str
    sql: str = field(repr=False)

    @property
    def description(self) -> str:
        return self.name.replace("_", " ")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MigrationReport:
    """What `migrate` did: the version before, the version after, the files applied."""

    from_version: int
    to_version: int
    applied: tuple[Migration, ...]


def packaged_migrations(dialect: str) -> list[Migration]:
    """The migrations shipped for one dialect, in version order."""
    folder = resources.files("swarmbus.storage") / "sql" / dialect / "migrations"
    found = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = FILE_NAME.match(entry.name)
        if match is None:
            raise ValueError(f"migration file {entry.name!r} is not named NNNN_description.sql")
        found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return check_sequence(found)


def check_sequence(migrations: Sequence[Migration]) -> list[Migration]:
    """Sort migrations and insist on positive versions, each used once (gaps allowed)."""
    ordered = sorted(migrations, key=lambda m: m.version)
    seen: set[int] = set()
    for migration in ordered:
        if migration.version < 1:
            raise ValueError(
                f"migration {migration.name!r} has version {migration.version}; versions start at 1"
            )
        if migration.version in seen:
            raise ValueError(
                f"migration version {migration.version:04d} is used twice; "
                f"each migration needs its own number"
            )
        seen.add(migration.version)
    return ordered


def latest_version(dialect: str) -> int:
    """The schema version this code writes."""
    migrations = packaged_migrations(dialect)
    return migrations[-1].version if migrations else 0


async def current_version(connector: Statements) -> int:
    """The database's schema version: 0 for an empty database.

    Refuses a database that holds tables but no ``schema_migrations``: that is
    somebody else's database, not an old swarmbus one.
    """
    queries = sql.load(connector.dialect)
    # One statement, one snapshot: a migration committing in another process
    # between two separate reads would look like a foreign database.
    state = await connector.fetch_one(queries["schema_state"])
    if state is None or not state["present"]:
        if state and state["tables"]:
            raise errors.DatabaseUnavailable(
                f"{connector.location} is a database of some other program "
                f"(it has tables but no schema_migrations); choose another path"
            )
        return 0
    row = await connector.fetch_one(queries["schema_version"])
    return int(row["version"]) if row else 0


async def ensure_supported(connector: Statements, known: Sequence[Migration] | None = None) -> int:
    """Return the database's version; refuse one that recorded a version not in `known`
    (default: this code's migrations): a newer swarmbus, or another branch, wrote it."""
    known = packaged_migrations(connector.dialect) if known is None else known
    latest = known[-1].version if known else 0
    version = await current_version(connector)
    if version > latest:
        raise errors.SchemaTooNew(
            f"database {connector.location} has schema version {version}, but this swarmbus "
            f"knows versions up to {latest}; upgrade swarmbus to open it"
        )
    unknown = sorted(await applied_versions(connector) - {m.version for m in known})
    if unknown:
        raise errors.SchemaTooNew(
            f"database {connector.location} has migration {unknown[0]:04d}, which this "
            f"swarmbus does not ship (a newer or another build wrote it); open it with that one"
        )
    return version


async def applied_versions(connector: Statements) -> set[int]:
    """The versions recorded in ``schema_migrations`` (none for an empty database)."""
    if await current_version(connector) == 0:
        return set()
    rows = await connector.fetch_all(sql.load(connector.dialect)["list_migrations"])
    return {int(row["version"]) for row in rows}


async def applied(connector: Connector) -> list[dict[str, object]]:
    """The rows of ``schema_migrations``, oldest first."""
    return await connector.fetch_all(sql.load(connector.dialect)["list_migrations"])


async def migrate(
    connector: Connector, migrations: Sequence[Migration] | None = None
) -> MigrationReport:
    """Bring the schema up to date, one transaction per migration."""
    migrations = (
        check_sequence(migrations)
        if migrations is not None
        else packaged_migrations(connector.dialect)
    )
    latest = migrations[-1].version if migrations else 0
    start = await ensure_supported(connector, migrations)
    recorded = await applied_versions(connector)
    pending = [m for m in migrations if m.version not in recorded]
    done = [m for m in pending if await _apply(connector, m)]
    return MigrationReport(start, max(start, latest), tuple(done))


async def _apply(connector: Connector, migration: Migration) -> bool:
    """Apply one migration in its own transaction; False if another process did it first."""
    async with connector.transaction() as tx:
        await tx.fetch_all(sql.load(connector.dialect)["lock_migrations"])
        if migration.version in await applied_versions(tx):
            return False  # another process migrated while we waited for the lock
        left_at = await current_version(tx)
        try:
            await tx.execute_script(migration.sql)
        except errors.StorageError as exc:
            raise errors.MigrationFailed(
                f"migration {migration.version:04d} ({migration.description}) failed on "
                f"{connector.location}: {exc}{_missing_feature(connector, exc)}; the database "
                f"was left at version {left_at}"
            ) from exc
        await tx.execute(
            sql.load(connector.dialect)["record_migration"],
            {
                "version": migration.version,
                "description": migration.description,
                "checksum": migration.checksum,
            },
        )
    logger.info(
        "applied migration %04d %s",
        migration.version,
        migration.description,
        extra={"action": "migrate"},
    )
    return True


def _missing_feature(connector: Connector, exc: Exception) -> str:
    """What an SQLite build lacks when full-text search cannot be created (an older Python's)."""
    if connector.dialect != "sqlite" or not any(w in str(exc) for w in ("fts5", "tokenizer")):
        return ""
    import sqlite3

    return (
        f" (this Python's SQLite {sqlite3.sqlite_version} lacks FTS5 with the trigram "
        f"tokenizer, which full-text search needs: SQLite 3.35 or newer built with FTS5; "
        f"use a newer Python)"
    )
