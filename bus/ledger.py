"""The command ledger: writes `discord_commands` rows so a busy database fails nothing.

Every face that takes commands from people (the Discord bot) records each
invocation here, through its bus, never through a repository.

The storage layer already retries a busy database a few times per statement.
If a write still fails, the row waits in a bounded in-memory queue that the
heartbeat flushes, and the failure is counted (the heartbeat reports it): a
row is late rather than lost, and a lost row (queue overflow, or a row the
database rejects outright) is logged as an error and counted too.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from swarmbus import errors
from swarmbus.model.commands import DiscordCommand

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus

logger = logging.getLogger(__name__)

PENDING_LIMIT = 1000  # rows held in memory while the database refuses them


class CommandStore(Protocol):
    """Where ledger rows go: the `discord_commands` table (a stand-in in tests)."""

    async def record(self, command: DiscordCommand) -> None: ...

    async def update_response(
        self, command_id: str, discord_bot_response: str, response_data: dict[str, Any] | None
    ) -> bool: ...


class CommandLedger:
    """Records invocations; never raises."""

    def __init__(self, repository: CommandStore, pending_limit: int = PENDING_LIMIT) -> None:
        self._repository = repository
        self._pending: deque[DiscordCommand] = deque()
        self._pending_limit = pending_limit
        self.written = 0
        self.failures = 0  # writes that failed (each is retried from the queue)
        self.lost = 0  # rows given up on

    @classmethod
    def of(cls, bus: Bus) -> CommandLedger:
        """The ledger of the swarm behind `bus`."""
        return cls(bus.db.commands)

    @property
    def pending(self) -> int:
        """Rows waiting to be written."""
        return len(self._pending)

    async def record(self, row: DiscordCommand) -> None:
        """Write one row now if the database lets us, else queue it for the next flush."""
        if self._pending:  # keep rows in order behind those already waiting
            self._enqueue(row)
            await self.flush()
        elif not await self._write(row):
            self._enqueue(row)

    async def flush(self) -> int:
        """Write queued rows, oldest first, until one fails; return how many were written."""
        written = 0
        while self._pending:
            if not await self._write(self._pending[0]):
                break
            self._pending.popleft()
            written += 1
        return written

    async def update_response(
        self, command_id: str, shown: str, response_data: dict[str, Any] | None
    ) -> None:
        """Replace what a row says the user saw (the /send reply is edited later)."""
        change = {"discord_bot_response": shown, "response_data": response_data}
        for index, row in enumerate(self._pending):
            if row.command_id == command_id:
                self._pending[index] = row.model_copy(update=change)
                return
        try:
            await self._repository.update_response(command_id, shown, response_data)
        except errors.StorageError as exc:
            self.failures += 1
            logger.warning(
                "ledger row %s keeps its first reply: %s",
                command_id,
                exc,
                extra={"action": "ledger_update_failed"},
            )

    async def _write(self, row: DiscordCommand) -> bool:
        """True when the row is settled: written, or rejected for good (then counted lost)."""
        try:
            await self._repository.record(row)
        except errors.DuplicateKey:
            return True  # an earlier try committed it after all
        except errors.ConstraintViolation as exc:
            return self._reject(row, exc)
        except errors.StorageError as exc:
            self.failures += 1
            logger.warning(
                "ledger row %s not written yet (%s); %d waiting",
                row.command_id,
                exc,
                len(self._pending),
                extra={"action": "ledger_write_failed"},
            )
            return False
        except Exception as exc:  # a bug must not fail the command or block the queue
            return self._reject(row, exc)
        self.written += 1
        return True

    def _reject(self, row: DiscordCommand, exc: Exception) -> bool:
        self.lost += 1
        logger.error(
            "ledger row %s (/%s) rejected and lost: %s",
            row.command_id,
            row.command_name,
            exc,
            exc_info=exc,
            extra={"action": "ledger_row_rejected"},
        )
        return True

    def _enqueue(self, row: DiscordCommand) -> None:
        if len(self._pending) >= self._pending_limit:
            dropped = self._pending.popleft()
            self.lost += 1
            logger.error(
                "ledger queue full: row %s (/%s by %s) lost",
                dropped.command_id,
                dropped.command_name,
                dropped.user_id,
                extra={"action": "ledger_row_lost"},
            )
        self._pending.append(row)
