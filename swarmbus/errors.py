"""One hierarchy for every error a user can cause or must act on.

Each class's docstring is its default message. `exit_code` is what the CLI
exits with: 2 for bad input (the user can fix the command or the config),
1 for everything else.
"""

from __future__ import annotations


class BusError(Exception):
    """swarmbus failed."""

    exit_code = 1

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())


class UsageError(BusError):
    """Invalid input."""

    exit_code = 2


class ConfigError(UsageError):
    """The configuration is invalid."""


class InvalidMessage(UsageError):
    """The message was refused."""


class UnknownAgent(UsageError):
    """No agent by that name is configured."""


class UnknownMessage(UsageError):
    """No message has that id."""


class IdempotencyConflict(UsageError):
    """That idempotency key was already used for a different message."""


class NotInThread(UsageError):
    """That agent takes no part in the thread."""


class NotRecipient(UsageError):
    """Only a message's recipient may acknowledge it."""


class InvalidSearch(UsageError):
    """The search was refused; give a word or phrase to look for."""


class StorageError(BusError):
    """The database failed."""


class TransientStorageError(StorageError):
    """The database could not answer just now; the same call may well work again."""


class DatabaseBusy(TransientStorageError):
    """The database stayed locked by another process; try again."""


class ConnectionLost(TransientStorageError):
    """The connection to the database server was lost; it is opened again on the next call."""


class DatabaseUnavailable(StorageError):
    """The database cannot be opened."""

    exit_code = 2


class DatabaseMissing(DatabaseUnavailable):
    """There is no swarmbus database there; run 'swarmbus init' to create one."""


class SchemaTooNew(DatabaseUnavailable):
    """The database was written by a newer swarmbus; upgrade swarmbus to open it."""


class MigrationFailed(StorageError):
    """A schema migration failed; the database was left as it was."""


class ConstraintViolation(StorageError):
    """A row broke a database constraint."""

    def __init__(self, message: str | None = None, *, constraint: str = "") -> None:
        super().__init__(message)
        self.constraint = constraint


class DuplicateKey(ConstraintViolation):
    """A row with that key already exists."""


class SearchFailed(StorageError):
    """The search failed; nothing can be said about what matches."""
