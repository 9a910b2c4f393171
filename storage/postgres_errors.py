"""What asyncpg's errors mean to a swarmbus caller, and the driver itself, imported late."""

from __future__ import annotations

from typing import Any

from swarmbus import errors

INSTALL_HINT = "pip install 'swarmbus[postgres]'"


def driver(location: str) -> Any:
    """asyncpg, or one line saying how to install it (it comes with the `postgres` extra)."""
    try:
        import asyncpg
    except ImportError:
        raise errors.DatabaseUnavailable(
            f"database {location} is PostgreSQL, whose driver (asyncpg) is not installed; "
            f"install it with: {INSTALL_HINT}"
        ) from None
    return asyncpg


def translate(exc: BaseException, location: str) -> errors.StorageError:
    """Map an asyncpg (or socket) error to the swarmbus error a caller can act on."""
    import asyncpg

    if isinstance(exc, asyncpg.UniqueViolationError):
        return errors.DuplicateKey(f"{location}: {exc}", constraint=str(exc))
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return errors.ConstraintViolation(f"{location}: {exc}", constraint=str(exc))
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return errors.DatabaseUnavailable(f"database {location} does not exist ({exc})")
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return errors.DatabaseUnavailable(f"cannot log in to {location} ({exc})")
    if isinstance(exc, (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)):
        return errors.DatabaseBusy(f"{location}: {exc}")
    if isinstance(
        exc,
        (
            OSError,
            asyncpg.PostgresConnectionError,
            asyncpg.InterfaceError,
            asyncpg.AdminShutdownError,
            asyncpg.CannotConnectNowError,
            asyncpg.InternalClientError,  # protocol state broken (backend killed mid-query)
        ),
    ):
        return errors.ConnectionLost(f"lost the connection to {location} ({exc})")
    return errors.StorageError(f"{location}: {exc}")


def from_driver(exc: BaseException) -> bool:
    """Whether `exc` came from asyncpg or the socket under it, so `translate` applies."""
    return isinstance(exc, OSError) or type(exc).__module__.startswith("asyncpg")
