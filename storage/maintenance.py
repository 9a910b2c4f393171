"""Database care: a health score with its reasons, and VACUUM / ANALYZE / REINDEX.

health_score = 100
  − 50 if `integrity_check` finds damage
  − 20 if `foreign_key_check` finds rows pointing nowhere
  − 10 if the schema is older than this swarmbus (a newer one is refused on open)
  −  5 per missing required CHECK constraint or index, at most 20
  − 10 if the journal mode is not WAL (processes would block each other)
  − 10 × min(1, free share / 0.5) when at least 10 % of the pages are free
        (VACUUM would give them back)
  −  5 if ANALYZE never ran (the planner has no statistics)
  −  5 if the write-ahead log is over 64 MiB (checkpoints are being starved)
clamped to 0..100. Every deduction comes with its reason.

Busy databases are retried by the connector (3 more tries with backoff, each
logged as a warning); what still fails is one `DatabaseBusy` line.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from swarmbus import errors
from swarmbus.model.systems import SystemStatus
from swarmbus.storage import inspection, migrations
from swarmbus.storage import queries as sql
from swarmbus.storage.database import Database, size_bytes, sqlite_path

FREE_SHARE_FLOOR = 0.10  # free pages below this share of the file cost nothing
FREE_SHARE_FULL = 0.50  # free share that costs the full 10 points
WAL_LIMIT_BYTES = 64 * 1024 * 1024  # a larger write-ahead log means starved checkpoints
MISSING_PENALTY_CAP = 20.0  # points, for missing CHECKs and indexes together

Operation = Literal["vacuum", "analyze", "reindex"]
OPERATIONS: tuple[Operation, ...] = ("vacuum", "analyze", "reindex")


@dataclass(frozen=True)
class HealthFacts:
    """What the health score is computed from."""

    integrity: list[str]
    foreign_keys: list[str]
    schema_version: int
    latest_version: int
    missing_checks: list[str]
    missing_indexes: list[str]
    journal_mode: str
    page_count: int
    freelist_count: int
    page_size: int
    analyzed: bool
    wal_bytes: int

    @property
    def free_share(self) -> float:
        return self.freelist_count / self.page_count if self.page_count else 0.0


@dataclass(frozen=True)
class HealthReport:
    """`swarmbus db check`: the score, why it is not 100, and the facts behind it."""

    score: float
    reasons: list[dict[str, Any]]
    facts: HealthFacts

    def as_dict(self) -> dict[str, Any]:
        return {"health_score": self.score, "reasons": self.reasons, **asdict(self.facts)}


@dataclass(frozen=True)
class MaintenanceResult:
    """Size on disk (file + log) before and after one operation, and how long it took."""

    operation: str
    size_before: int
    size_after: int
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def gather_facts(db: Database) -> HealthFacts:
    """Look at the file: integrity, foreign keys, schema, journal, pages, statistics."""
    connector = db.connector
    queries = sql.load(connector.dialect)
    pages = await connector.fetch_one(queries["page_stats"]) or {}
    stats = await connector.fetch_one(queries["has_statistics"]) or {}
    return HealthFacts(
        integrity=await _problems(inspection.integrity_problems(connector)),
        foreign_keys=await _problems(inspection.foreign_key_problems(connector)),
        schema_version=await migrations.current_version(connector),
        latest_version=migrations.latest_version(connector.dialect),
        missing_checks=await inspection.missing_checks(connector),
        missing_indexes=await inspection.missing_indexes(connector),
        journal_mode=await inspection.journal_mode(connector),
        page_count=int(pages.get("page_count") or 0),
        freelist_count=int(pages.get("freelist_count") or 0),
        page_size=int(pages.get("page_size") or 0),
        analyzed=bool(stats.get("n")),
        wal_bytes=_wal_bytes(db),
    )


async def _problems(looking: Awaitable[list[str]]) -> list[str]:
    """A check that cannot even run on a damaged file reports that as its problem."""
    try:
        return await looking
    except errors.StorageError as exc:
        return [f"the check could not run: {exc}"]


def _wal_bytes(db: Database) -> int:
    """The size of an SQLite file's write-ahead log (PostgreSQL manages its own)."""
    if db.connector.dialect != "sqlite":
        return 0
    wal = Path(f"{sqlite_path(db.location)}-wal")
    return wal.stat().st_size if wal.exists() else 0


def deductions(facts: HealthFacts) -> list[tuple[float, str]]:
    """(points lost, reason) for everything the formula in the module docstring counts."""
    found: list[tuple[float, str]] = []
    if facts.integrity:
        found.append((50.0, f"integrity_check found damage: {facts.integrity[0]}"))
    if facts.foreign_keys:
        found.append(
            (20.0, f"{len(facts.foreign_keys)} rows point nowhere: {facts.foreign_keys[0]}")
        )
    if facts.schema_version < facts.latest_version:
        found.append((10.0, f"schema version {facts.schema_version} < {facts.latest_version}"))
    missing = facts.missing_checks + facts.missing_indexes
    if missing:
        points = min(MISSING_PENALTY_CAP, 5.0 * len(missing))
        found.append((points, f"missing CHECK constraints or indexes: {', '.join(missing)}"))
    if facts.journal_mode != "wal":
        found.append((10.0, f"journal mode is {facts.journal_mode}, not wal"))
    if facts.free_share >= FREE_SHARE_FLOOR:
        points = round(10.0 * min(1.0, facts.free_share / FREE_SHARE_FULL), 1)
        found.append((points, f"{facts.free_share:.0%} of the pages are free; run 'db vacuum'"))
    if not facts.analyzed:
        found.append((5.0, "no planner statistics; run 'db analyze'"))
    if facts.wal_bytes > WAL_LIMIT_BYTES:
        found.append((5.0, f"write-ahead log is {facts.wal_bytes:,} bytes"))
    return found


def score(facts: HealthFacts) -> HealthReport:
    """The health score of the module docstring, with one reason per deduction."""
    lost = deductions(facts)
    value = round(max(0.0, min(100.0, 100.0 - sum(points for points, _ in lost))), 1)
    reasons = [{"points": -points, "reason": reason} for points, reason in lost]
    return HealthReport(value, reasons, facts)


async def check(db: Database) -> HealthReport:
    """Integrity, foreign keys and the health score (`swarmbus db check`)."""
    return score(await gather_facts(db))


async def maintain(db: Database, operation: Operation) -> MaintenanceResult:
    """Run VACUUM, ANALYZE or REINDEX; report size before and after, and the time taken.

    The log is checkpointed before and after, so both sizes are what the
    file really holds.
    """
    if operation not in OPERATIONS:
        raise ValueError(f"unknown maintenance operation {operation!r}")
    queries = sql.load(db.connector.dialect)
    await db.connector.fetch_all(queries["wal_checkpoint"])  # read the row: no cursor stays open
    before = await size_bytes(db)
    started = time.perf_counter()
    if operation == "vacuum":
        await _vacuum(db, queries)
    else:
        await db.connector.execute(queries[operation])
    seconds = round(time.perf_counter() - started, 3)
    await db.connector.fetch_all(queries["wal_checkpoint"])
    return MaintenanceResult(operation, before, await size_bytes(db), seconds)


async def _vacuum(db: Database, queries: dict[str, str]) -> None:
    """VACUUM copies the whole database into a temporary one: on disk, not in the memory
    where connections keep their temporary files."""
    await db.connector.execute(queries["temp_files_on_disk"])
    try:
        await db.connector.execute(queries["vacuum"])
    finally:
        await db.connector.execute(queries["temp_files_in_memory"])


def live_dispatchers(systems: list[SystemStatus]) -> list[SystemStatus]:
    """Dispatchers whose heartbeat is fresh: a restore under them would pull the file away."""
    return [
        s
        for s in systems
        if s.system_name == "messaging" and s.system_status != "inactive" and not s.is_stale()
    ]
