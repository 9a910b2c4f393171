"""Retention: delete finished history older than a cutoff, in small batches.

Pruned: whole threads of finished messages (delivered or expired, by
`processed_at`), Discord ledger rows (by `executed_at`), doctor check rows
(by `created_at`) and file reservations released or expired before the
cutoff (a live one never). A thread goes only as a whole, once every message
in it finished before the cutoff and, where delivered, was read and (if an
ack was required) acknowledged; a thread that still holds a message in play,
a dead letter, an unread or an unacknowledged message stays whole.
`include_unread` lets delivered but unread messages go (swarms whose agents
never read through a face, and messages from before read receipts existed).
Never pruned: audit rows (the latest audit feeds the agents'
`v2_compliance`). Pruned messages leave the search index too (SQLite's
triggers; PostgreSQL's index is part of the row). Each batch is its own short
transaction, so a dispatcher writing at the same time waits at most one batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from swarmbus.model import timefmt
from swarmbus.storage import queries as sql
from swarmbus.storage.database import Database

BATCH_ROWS = 500  # rows deleted per transaction

# what is pruned -> (count query, delete query)
TARGETS: dict[str, tuple[str, str]] = {
    "messages": ("count_prunable_messages", "prune_messages"),
    "discord_commands": ("count_prunable_commands", "prune_commands"),
    "integration_tests": ("count_prunable_tests", "prune_tests"),
    "file_reservations": ("count_prunable_reservations", "prune_reservations"),
}


@dataclass(frozen=True)
class PruneResult:
    """Rows per target: counted (dry run) or deleted; and finished messages kept because
    their thread is still open."""

    cutoff: datetime
    rows: dict[str, int]
    dry_run: bool
    batches: int = 0
    kept_in_open_threads: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "cutoff": timefmt.to_text(self.cutoff),
            "dry_run": self.dry_run,
            "batches": self.batches,
            ("would_delete" if self.dry_run else "deleted"): self.rows,
            "kept_in_open_threads": self.kept_in_open_threads,
        }


async def count(db: Database, cutoff: datetime, include_unread: bool = False) -> PruneResult:
    """How many rows a prune with this cutoff would delete."""
    queries = sql.load(db.connector.dialect)
    params = {"cutoff": timefmt.to_text(cutoff), "include_unread": int(include_unread)}
    rows = {}
    for target, (count_query, _) in TARGETS.items():
        row = await db.connector.fetch_one(queries[count_query], params)
        rows[target] = int(row["n"]) if row else 0
    finished = await _finished(db, params)
    return PruneResult(cutoff, rows, True, 0, finished - rows["messages"])


async def _finished(db: Database, params: dict[str, object]) -> int:
    query = sql.load(db.connector.dialect)["count_finished_messages"]
    row = await db.connector.fetch_one(query, params)
    return int(row["n"]) if row else 0


async def prune(
    db: Database, cutoff: datetime, batch: int = BATCH_ROWS, include_unread: bool = False
) -> PruneResult:
    """Delete everything older than `cutoff` that retention covers, batch by batch."""
    queries = sql.load(db.connector.dialect)
    params = {"cutoff": timefmt.to_text(cutoff), "batch": batch}
    params["include_unread"] = int(include_unread)
    rows: dict[str, int] = {}
    batches = 0
    for target, (_, delete_query) in TARGETS.items():
        rows[target] = 0
        while True:
            async with db.connector.transaction() as tx:
                deleted = await tx.execute(queries[delete_query], params)
            batches += 1
            rows[target] += deleted
            if deleted < batch:  # (a batch of threads deletes at least `batch` rows)
                break
    kept = await _finished(db, params)
    return PruneResult(cutoff, rows, dry_run=False, batches=batches, kept_in_open_threads=kept)
