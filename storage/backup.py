"""Backing up and restoring a SQLite database file (SQLite-specific, file level).

A backup goes through SQLite's online backup API, copying pages in steps from
a read transaction held open on a separate connection: under WAL that
snapshot stays fixed while the dispatcher keeps writing, so the copy is one
consistent moment and no writer waits for it. The copy is written under a
temporary name, verified (opened, `integrity_check`, schema version) and only
then renamed into place, so a failed backup leaves nothing behind.

A restore copies a verified backup into the live file through the same API,
which takes the write lock and tells every other connection that the file
changed; the file it replaces is kept beside it as `<name>.bak`.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import anyio.to_thread

from swarmbus import errors
from swarmbus.storage import queries as sql
from swarmbus.storage.sqlite import BUSY_TIMEOUT_MS

logger = logging.getLogger(__name__)

STEP_PAGES = 256  # pages copied per backup step (1 MiB at 4 KiB pages); progress moves per step
STEP_SLEEP = 0.0  # seconds between steps; the snapshot is fixed, so no need to yield longer
SIDE_FILES = ("-wal", "-shm", "-journal")

Progress = Callable[[int, int], None]  # (pages copied, pages in total)
_Q = sql.load("sqlite")


@dataclass(frozen=True)
class Examined:
    """What a database file turned out to be."""

    path: Path
    schema_version: int
    size_bytes: int


@dataclass(frozen=True)
class BackupResult:
    """A verified copy."""

    path: Path
    size_bytes: int
    pages: int
    seconds: float
    schema_version: int


def part_of(candidate: Path, live: Path) -> str | None:
    """Which file of the live database `candidate` is, or None when it is none of them.

    Resolved paths catch `./x.db`, `../dir/x.db` and symbolic links; `samefile`
    catches a hard link. The write-ahead log and the other side files count:
    a backup written over the log, or a restore from it, would damage the live file.
    """
    names = {"": "the database itself", "-wal": "its write-ahead log"}
    names |= {"-shm": "its shared-memory file", "-journal": "its rollback journal"}
    for suffix, name in names.items():
        part = Path(f"{live}{suffix}")
        if candidate.resolve() == part.resolve() or _same_existing(candidate, part):
            return name
    return None


def _same_existing(one: Path, other: Path) -> bool:
    try:
        return one.samefile(other)
    except OSError:  # either is missing: they cannot be the same file
        return False


def size_on_disk(path: Path) -> int:
    """The file plus its write-ahead log, in bytes."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def _remove(path: Path) -> None:
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


def _claim_temp(target: Path) -> Path:
    """Create the temporary file beside `target`; a location we cannot write is bad input."""
    if not target.parent.is_dir():
        raise errors.UsageError(
            f"backup path {target}: directory {target.parent} does not exist; create it first"
        )
    if target.is_dir():
        raise errors.UsageError(f"backup path {target} is a directory; name a file inside it")
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        temp.open("xb").close()
    except OSError as exc:
        raise errors.UsageError(
            f"backup path {target}: cannot write in {target.parent} ({exc.strerror or exc})"
        ) from None
    return temp


def examine(path: Path, latest: int) -> Examined:
    """Open `path` read-only and check it is a sound swarmbus database this code can read."""
    if not path.is_file():
        raise errors.UsageError(f"{path}: no such file")
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
    except sqlite3.Error as exc:
        raise errors.UsageError(f"{path} cannot be opened ({exc})") from None
    try:
        return Examined(path, _schema_of(conn, path, latest), size_on_disk(path))
    except sqlite3.DatabaseError as exc:
        raise errors.UsageError(f"{path} is not a swarmbus database ({exc})") from None
    finally:
        conn.close()


def _read_only_uri(path: Path) -> str:
    """Read without writing anything beside the file: `immutable` unless a live log exists."""
    mode = "mode=ro" if Path(f"{path}-wal").exists() else "immutable=1"
    return f"{path.resolve().as_uri()}?{mode}"


def _schema_of(conn: sqlite3.Connection, path: Path, latest: int) -> int:
    state = conn.execute(_Q["schema_state"]).fetchone()
    if not state[0]:
        raise errors.UsageError(f"{path} is not a swarmbus database (it has no schema_migrations)")
    version = int(conn.execute(_Q["schema_version"]).fetchone()[0])
    if version > latest:
        raise errors.UsageError(
            f"{path} has schema version {version}, but this swarmbus knows versions up to "
            f"{latest}; restore it with a newer swarmbus"
        )
    problems = [row[0] for row in conn.execute(_Q["integrity_check"]).fetchall()]
    if problems != ["ok"]:
        raise errors.UsageError(f"{path} is damaged: {problems[0]}")
    return version


async def backup(
    source: Path, target: Path, latest: int, progress: Progress | None = None
) -> BackupResult:
    """Copy the live database `source` to `target`, consistent and verified."""
    temp = _claim_temp(target)
    started = time.perf_counter()
    try:
        pages = await _copy(source, temp, progress)
        examined = await anyio.to_thread.run_sync(examine, temp, latest)
        temp.replace(target)
    except BaseException:
        _remove(temp)
        raise
    seconds = round(time.perf_counter() - started, 3)
    logger.info("backed up %s to %s", source, target, extra={"action": "backup"})
    return BackupResult(target, size_on_disk(target), pages, seconds, examined.schema_version)


async def _copy(source: Path, temp: Path, progress: Progress | None) -> int:
    """Copy every page of `source` into `temp` from one read snapshot; return the page count."""
    total = 0

    def step(_status: int, remaining: int, pages: int) -> None:
        nonlocal total
        total = pages
        if progress is not None:
            progress(pages - remaining, pages)

    target = sqlite3.connect(temp, check_same_thread=False)
    try:
        timeout = BUSY_TIMEOUT_MS / 1000
        async with aiosqlite.connect(source, isolation_level=None, timeout=timeout) as conn:
            await conn.execute(_Q["begin_snapshot"])
            await conn.execute(_Q["schema_state"])  # the first read fixes the snapshot
            await conn.backup(target, pages=STEP_PAGES, progress=step, sleep=STEP_SLEEP)
            await conn.execute(_Q["end_snapshot"])
        # A backup is one self-contained file: no write-ahead log beside it.
        await anyio.to_thread.run_sync(target.execute, _Q["journal_mode_delete"])
    except sqlite3.Error as exc:
        raise errors.StorageError(f"backup of {source} failed: {exc}") from exc
    finally:
        target.close()
    return total


async def restore(live: Path, source: Path, latest: int) -> Path | None:
    """Replace the content of `live` with the verified backup `source`.

    The current content is first backed up to `<live>.bak` (returned; None
    when there was no live file yet).
    """
    await anyio.to_thread.run_sync(examine, source, latest)
    kept = None
    if await anyio.Path(live).exists():
        kept = kept_path(live, source)
        await backup(live, kept, latest)  # replaces an older .bak only once verified
    await anyio.to_thread.run_sync(_copy_into, source, live)
    logger.info("restored %s from %s", live, source, extra={"action": "restore"})
    return kept


def kept_path(live: Path, source: Path) -> Path:
    """Where a restore keeps the database it replaces: `<live>.bak`.

    Unless the backup being restored is that very `.bak` (undoing a restore):
    keeping the current file there would overwrite the backup before it is
    read, so it goes to `<live>.<UTC time>.bak` instead.
    """
    kept = Path(f"{live}.bak")
    if source.resolve() == kept.resolve() or _same_existing(source, kept):
        kept = Path(f"{live}.{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.bak")
    return kept


def _copy_into(source: Path, live: Path) -> None:
    """One backup step from `source` into the live file, under its write lock."""
    origin = sqlite3.connect(_read_only_uri(source), uri=True)
    target = sqlite3.connect(live, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        origin.backup(target)
    except sqlite3.Error as exc:
        raise errors.StorageError(f"restore of {live} from {source} failed: {exc}") from exc
    finally:
        target.close()
        origin.close()
