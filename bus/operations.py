"""Operations: looking after a swarm's database and desktop.

What `swarmbus db …`, `swarmbus doctor` and `swarmbus resume` do, and what a
web dashboard's operations page will do: each call opens the database for
itself (with the swarm's `[database]` settings), does one thing, and closes it
again. The mechanics live in storage (maintenance, retention, backup, copying)
and in the doctor; the rules about what may be done when live here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swarmbus import errors
from swarmbus.model import timefmt

if TYPE_CHECKING:
    from swarmbus.agents.config import Swarm
    from swarmbus.bus.doctor import DoctorReport
    from swarmbus.bus.transports.screen_state import Pause
    from swarmbus.storage.backup import BackupResult
    from swarmbus.storage.copying import CopyReport
    from swarmbus.storage.database import Database, DatabaseInfo
    from swarmbus.storage.maintenance import HealthReport, MaintenanceResult, Operation
    from swarmbus.storage.retention import PruneResult

Progress = Callable[[int, int], None]  # (done, total): pages of a backup, rows of a copy


@dataclass(frozen=True)
class BackedUp:
    """A verified copy of the live database file."""

    database: Path
    copy: BackupResult


@dataclass(frozen=True)
class Restored:
    """A backup put back in place of the live file, which is kept (None: there was none)."""

    database: Path
    source: Path
    kept: Path | None
    schema_version: int


@dataclass(frozen=True)
class Resumed:
    """GUI delivery resumed: the pauses cleared, and whether the dispatchers were woken."""

    cleared: list[Pause]
    woke: bool
    problem: str | None = None  # why they were not


@dataclass(frozen=True)
class Operations:
    """The care of one swarm's database.

    :param database: its location (`swarm.database`, or `--db`); None when the
        config could not be read, which only `resume` tolerates.
    :param swarm: its config, for the `[database]` settings and the doctor
        (None: the config is broken, and the doctor says so).
    """

    database: str | None
    swarm: Swarm | None = None

    async def status(self) -> DatabaseInfo:
        """Schema version, rows per table, size on disk and journal mode."""
        from swarmbus.storage.database import describe

        async with await _open(self, create=False) as db:
            return await describe(db)

    async def check(self) -> HealthReport:
        """Integrity, foreign keys and a 0-100 health score with its reasons."""
        from swarmbus.storage import maintenance

        async with await _open(self, create=False) as db:
            return await maintenance.check(db)

    async def maintain(self, operation: Operation) -> MaintenanceResult:
        """VACUUM, ANALYZE or REINDEX, with the size before and after and the time taken."""
        from swarmbus.storage import maintenance

        async with await _open(self, create=False) as db:
            return await maintenance.maintain(db, operation)

    async def prune(
        self, older_than: timedelta, *, dry_run: bool = False, include_unread: bool = False
    ) -> PruneResult:
        """Delete (or with `dry_run` count) the threads of delivered and expired messages,
        ledger and doctor rows, that finished longer ago than `older_than`; a thread still
        holding a message in play, a dead letter, or one unread (unless `include_unread`)
        or unacknowledged stays whole."""
        from swarmbus.storage import retention

        cutoff = timefmt.utcnow() - older_than
        async with await _open(self, create=False) as db:
            if dry_run:
                return await retention.count(db, cutoff, include_unread)
            return await retention.prune(db, cutoff, include_unread=include_unread)

    async def backup(
        self, target: Path, *, force: bool = False, progress: Progress | None = None
    ) -> BackedUp:
        """Copy the live SQLite file to `target` while the bus runs, then verify the copy."""
        from swarmbus.storage import backup as copier
        from swarmbus.storage import migrations
        from swarmbus.storage.database import require_database

        live = _sqlite_file(self, "db backup")
        require_database(live)
        _check_backup_target(target, live, force)
        latest = migrations.latest_version("sqlite")
        return BackedUp(live, await copier.backup(live, target, latest, progress))

    async def restore(self, source: Path) -> Restored:
        """Put a backup in place of the live file, keeping that as `.bak`; refused while a
        dispatcher runs on it, and from the live file itself or its side files."""
        import anyio.to_thread

        from swarmbus.storage import backup as copier
        from swarmbus.storage import migrations

        live = _sqlite_file(self, "db restore")
        if (part := copier.part_of(source, live)) is not None:
            raise errors.UsageError(
                f"cannot restore {live} from {source}: that is {part}; restore from a backup "
                f"made with 'swarmbus db backup'"
            )
        latest = migrations.latest_version("sqlite")
        examined = await anyio.to_thread.run_sync(copier.examine, source, latest)
        await _refuse_if_dispatching(self, live)
        kept = await copier.restore(live, source, latest)
        return Restored(live, source, kept, examined.schema_version)

    @staticmethod
    async def copy(
        source: str, target: str, *, append: bool = False, progress: Progress | None = None
    ) -> CopyReport:
        """Copy every table from the database at `source` into the one at `target` (created
        and migrated if needed), either way between SQLite and PostgreSQL; `progress` gets
        (rows copied, rows in the source)."""
        from swarmbus.storage import postgres
        from swarmbus.storage.copying import copy_database, counts
        from swarmbus.storage.database import open_database, sqlite_path

        if not postgres.is_postgres_url(source) and not sqlite_path(source).is_file():
            raise errors.UsageError(f"source database {source} does not exist")
        async with (
            await open_database(source, create=False) as origin,  # a copy's source is only read
            await open_database(target) as dest,
        ):
            if progress is None:
                return await copy_database(origin, dest, append)
            total = sum((await counts(origin)).values())
            copied = 0

            def advance(_table: str, rows: int) -> None:
                nonlocal copied
                copied += rows
                progress(copied, total)

            return await copy_database(origin, dest, append, advance)

    async def doctor(self, *, config_error: str | None = None) -> DoctorReport:
        """Run every integration check once and record each as an `integration_tests` row."""
        from swarmbus.agents.discord_token import read_token
        from swarmbus.bus.doctor import Visit, run_doctor

        visit = Visit(_location(self), self.swarm, read_token=read_token, config_error=config_error)
        return await run_doctor(visit)

    async def doctor_history(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest doctor runs, newest first, with their counts."""
        from swarmbus.bus.doctor import history

        return await history(_location(self), limit)

    async def resume(self) -> Resumed:
        """Resume GUI delivery the fail-safe paused on this machine's screens, and wake the
        swarm's dispatchers so they deliver at once (when the database is known and there)."""
        from swarmbus.bus.transports.screen_state import all_markers

        cleared = [pause for marker in all_markers() if (pause := marker.clear()) is not None]
        if self.database is None:
            return Resumed(cleared, woke=False)
        try:
            async with await _open(self, create=False) as db:
                await db.connector.announce()
        except errors.DatabaseMissing as exc:
            return Resumed(cleared, woke=False, problem=str(exc))
        return Resumed(cleared, woke=True)


def paused_screens() -> list[Pause]:
    """The screens of this machine whose GUI delivery the fail-safe paused (what
    `Operations.resume` clears)."""
    from swarmbus.bus.transports.screen_state import all_markers

    return [pause for marker in all_markers() if (pause := marker.read()) is not None]


def _location(operations: Operations) -> str:
    if operations.database is None:
        raise ValueError("this operation needs the database's location")
    return operations.database


async def _open(operations: Operations, *, create: bool) -> Database:
    from swarmbus.bus.opening import open_swarm_database
    from swarmbus.storage.database import open_database

    if operations.swarm is not None and operations.swarm.database == operations.database:
        return await open_swarm_database(operations.swarm, create=create)
    return await open_database(_location(operations), create=create)


def _sqlite_file(operations: Operations, command: str) -> Path:
    """The live SQLite file; PostgreSQL is refused with what to use instead."""
    from swarmbus.storage.database import sqlite_file

    return sqlite_file(_location(operations), command)


def _check_backup_target(target: Path, live: Path, force: bool) -> None:
    """A backup goes to a new file (or, with `force`, over an old one), never onto the live
    database or one of its side files."""
    from swarmbus.storage import backup as copier

    if (part := copier.part_of(target, live)) is not None:
        raise errors.UsageError(f"backup path {target} is {part} of {live}; choose another file")
    if target.is_dir():
        raise errors.UsageError(f"backup path {target} is a directory; name a file inside it")
    if target.exists() and not force:
        raise errors.UsageError(f"backup path {target} already exists; pass --force to replace it")


async def _refuse_if_dispatching(operations: Operations, live: Path) -> None:
    """A restore under a running dispatcher would pull its file away."""
    import anyio

    from swarmbus.storage import maintenance

    if not await anyio.Path(live).exists():  # restoring onto a new path: nothing runs there yet
        return
    async with await _open(operations, create=False) as db:
        running = maintenance.live_dispatchers(await db.systems.list())
    if running:
        names = ", ".join(s.system_id for s in running)
        raise errors.BusError(
            f"refusing to restore: dispatcher {names} is running (fresh heartbeat); stop it first"
        )
