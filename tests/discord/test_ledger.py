"""The ledger writer's queue: late rows keep their order, lost rows are counted, none vanish.

These drive `CommandLedger` with a repository stand-in that refuses on demand (a
locked real database is in test_health_and_alerts.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from swarmbus import errors
from swarmbus.bus.ledger import CommandLedger
from swarmbus.model.commands import DiscordCommand


class Repository:
    """Stores rows in a list; raises `error` instead while it is set."""

    def __init__(self) -> None:
        self.rows: list[DiscordCommand] = []
        self.error: Exception | None = None

    async def record(self, row: DiscordCommand) -> None:
        if self.error is not None:
            raise self.error
        self.rows.append(row)

    async def update_response(self, command_id: str, shown: str, data: Any) -> bool:
        if self.error is not None:
            raise self.error
        for index, row in enumerate(self.rows):
            if row.command_id == command_id:
                self.rows[index] = row.model_copy(update={"discord_bot_response": shown})
        return True


def row(name: str) -> DiscordCommand:
    return DiscordCommand(
        agent_id="swarm", command_type="status_check", command_data={}, command_name=name
    )


@pytest.fixture
def repository() -> Repository:
    return Repository()


async def test_rows_wait_while_the_database_is_busy_then_keep_their_order(
    repository: Repository,
) -> None:
    ledger = CommandLedger(repository)  # type: ignore[arg-type]
    repository.error = errors.DatabaseBusy()
    await ledger.record(row("first"))
    await ledger.record(row("second"))
    assert (ledger.pending, ledger.failures, repository.rows) == (2, 2, [])
    repository.error = None
    await ledger.record(row("third"))  # writes the waiting ones first
    assert [r.command_name for r in repository.rows] == ["first", "second", "third"]
    assert (ledger.pending, ledger.written, ledger.lost) == (0, 3, 0)


async def test_an_update_reaches_a_row_still_waiting(repository: Repository) -> None:
    ledger = CommandLedger(repository)  # type: ignore[arg-type]
    repository.error = errors.DatabaseBusy()
    waiting = row("send")
    await ledger.record(waiting)
    await ledger.update_response(waiting.command_id, "✅ Delivered", {"outcome": "delivered"})
    repository.error = None
    assert await ledger.flush() == 1
    [stored] = repository.rows
    assert stored.discord_bot_response == "✅ Delivered"
    assert stored.response_data == {"outcome": "delivered"}


async def test_a_full_queue_drops_the_oldest_row_and_counts_it(repository: Repository) -> None:
    ledger = CommandLedger(repository, pending_limit=2)  # type: ignore[arg-type]
    repository.error = errors.DatabaseBusy()
    for name in ("a", "b", "c"):
        await ledger.record(row(name))
    assert (ledger.pending, ledger.lost) == (2, 1)
    repository.error = None
    await ledger.flush()
    assert [r.command_name for r in repository.rows] == ["b", "c"]


@pytest.mark.parametrize("error", [errors.ConstraintViolation("CHECK failed"), ValueError("a bug")])
async def test_a_rejected_row_is_counted_lost_and_does_not_block_the_rest(
    repository: Repository, error: Exception
) -> None:
    ledger = CommandLedger(repository)  # type: ignore[arg-type]
    repository.error = error
    await ledger.record(row("bad"))
    assert (ledger.pending, ledger.lost) == (0, 1)
    repository.error = None
    await ledger.record(row("good"))
    assert [r.command_name for r in repository.rows] == ["good"]


async def test_a_duplicate_means_an_earlier_try_landed(repository: Repository) -> None:
    ledger = CommandLedger(repository)  # type: ignore[arg-type]
    repository.error = errors.DuplicateKey()
    await ledger.record(row("twice"))
    assert (ledger.pending, ledger.lost, ledger.failures) == (0, 0, 0)
