"""SQLite's driver errors as the swarmbus errors a caller can act on."""

from __future__ import annotations

import sqlite3

from swarmbus import errors
from swarmbus.storage.retrying import RETRIES

BUSY_TIMEOUT_MS = 5000  # how long SQLite itself waits for a lock


def _is_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and getattr(
        exc, "sqlite_errorname", ""
    ).startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def translate(
    exc: sqlite3.Error, location: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> errors.StorageError:
    """Map a driver error to the swarmbus error a caller can act on.

    `busy_timeout_ms` is the connection's own setting, so a busy error says
    how long each try really waited.
    """
    name = getattr(exc, "sqlite_errorname", "")
    if isinstance(exc, sqlite3.IntegrityError):
        kind = errors.DuplicateKey if "UNIQUE" in name or "PRIMARY" in name else None
        kind = kind or errors.ConstraintViolation
        return kind(f"{location}: {exc}", constraint=str(exc))
    if _is_busy(exc):
        return errors.DatabaseBusy(
            f"database {location} stayed locked by another process; try again "
            f"(tried {RETRIES + 1} times, waiting {_duration(busy_timeout_ms)} each time)"
        )
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return errors.DatabaseUnavailable(f"{location} is not a readable SQLite database ({exc})")
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM")):
        return errors.DatabaseUnavailable(f"cannot write database {location} ({exc})")
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")):
        return errors.StorageError(f"cannot write database {location} ({exc}; is the disk full?)")
    return errors.StorageError(f"{location}: {exc}")


def _duration(milliseconds: int) -> str:
    """A busy timeout for people: 250 ms, 5 s, 2.5 s."""
    return f"{milliseconds} ms" if milliseconds < 1000 else f"{milliseconds / 1000:g} s"
