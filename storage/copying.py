"""Copying every table between databases, either way between SQLite and PostgreSQL.

Rows go in primary-key order, a batch per transaction, parents before children
(messages refer to their agent). Both databases are migrated to the same
schema version first, so `schema_migrations` is not copied. Values are
converted where the dialects differ: 0/1 and booleans, and JSON text, which
PostgreSQL re-spaces and SQLite gets back in swarmbus's compact form.

The table and column names come from the fixed contract below, never from
input, so the statements built here are safe to format.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from swarmbus import errors
from swarmbus.storage.database import Database
from swarmbus.storage.rows import dump_json

BATCH = 1000  # rows per transaction

# table -> primary key, in an order where every row's parents come first
TABLES: dict[str, str] = {
    "agent_workspaces": "agent_id",
    "agent_messages": "message_id",
    "discord_commands": "command_id",
    "core_systems_status": "system_id",
    "v2_compliance_audit": "audit_id",
    "integration_tests": "test_id",
}
GENERATED = {"priority_rank"}  # computed by the database, never inserted
BOOLEANS = {"configured", "refactoring_required", "v2_compliance_check"}
JSON_COLUMNS = {
    "integration_components",
    "tags",
    "pyautogui_coordinates",
    "command_data",
    "response_data",
    "performance_metrics",
    "integration_dependencies",
    "system_configuration",
    "monitoring_alerts",
    "maintenance_schedule",
    "violations_details",
    "integration_impact",
    "integration_dependencies_affected",
    "refactoring_plan",
    "test_data",
    "expected_result",
    "actual_result",
}

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class CopyReport:
    """Rows per table in the source, and how many the target held before and after."""

    source: dict[str, int]
    before: dict[str, int]
    after: dict[str, int]

    @property
    def copied(self) -> dict[str, int]:
        return {table: self.after[table] - self.before[table] for table in TABLES}


async def copy_database(
    source: Database, target: Database, append: bool = False, progress: Progress | None = None
) -> CopyReport:
    """Copy every contract table from `source` into `target` and verify the counts."""
    source_counts, before = await counts(source), await counts(target)
    if not append and any(before.values()):
        filled = ", ".join(f"{t} ({n})" for t, n in before.items() if n)
        raise errors.UsageError(
            f"target {target.location} is not empty: {filled}; pass --append to add to it"
        )
    for table, key in TABLES.items():
        await _copy_table(source, target, (table, key), progress)
    report = CopyReport(source_counts, before, await counts(target))
    _verify(report, append, target.location)
    return report


async def counts(db: Database) -> dict[str, int]:
    """Rows per contract table."""
    return {
        table: int((await db.connector.fetch_one(f"SELECT count(*) AS n FROM {table}") or {})["n"])
        for table in TABLES
    }


async def _copy_table(
    source: Database, target: Database, table_key: tuple[str, str], progress: Progress | None
) -> None:
    table, key = table_key
    after: Any = ""
    while True:
        rows = await source.connector.fetch_all(
            f"SELECT * FROM {table} WHERE {key} > :after ORDER BY {key} LIMIT :batch",
            {"after": after, "batch": BATCH},
        )
        if not rows:
            return
        await _insert(target, table, [_convert(row, target.connector.dialect) for row in rows])
        after = rows[-1][key]
        if progress:
            progress(table, len(rows))


async def _insert(target: Database, table: str, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    names = ", ".join(columns)
    values = ", ".join(f":{column}" for column in columns)
    statement = f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT DO NOTHING"
    async with target.connector.transaction() as tx:
        await tx.execute_many(statement, rows)


def _convert(row: dict[str, Any], dialect: str) -> dict[str, Any]:
    converted = {}
    for column, value in row.items():
        if column in GENERATED:
            continue
        if column in BOOLEANS and value is not None:
            value = bool(value) if dialect == "postgres" else int(bool(value))
        elif column in JSON_COLUMNS and isinstance(value, str) and dialect == "sqlite":
            value = dump_json(json.loads(value))
        converted[column] = value
    return converted


def _verify(report: CopyReport, append: bool, location: str) -> None:
    for table, expected in report.source.items():
        have = report.after[table]
        if have < expected or (not append and have != expected):
            raise errors.StorageError(
                f"copy into {location} is incomplete: {table} has {have} rows, "
                f"the source {expected}"
            )
