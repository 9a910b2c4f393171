"""Copying every table between databases, either way between SQLite and PostgreSQL.

Rows go in primary-key order, a batch per transaction, parents before children
(messages refer to their agent). Both databases are migrated to the same
schema version first, so `schema_migrations` is not copied. Values are
converted where the dialects differ: 0/1 and booleans, and JSON text, which
PostgreSQL re-spaces and SQLite gets back in swarmbus's compact form.

What is copied is the contract this version writes: the tables below, and of
each the columns the migrated target has (generated ones left out, the
database computes them; so does each dialect's search index). The source
is read with that explicit column list; a source table with a column this
version does not know is refused before anything is written, rather than
copied blindly or dropped unseen. Table names
come from the fixed list below, column names from our own migrations (and are
checked to be plain names), so the statements built here are safe to format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from swarmbus import errors
from swarmbus.storage import queries as sql
from swarmbus.storage.database import Database
from swarmbus.storage.rows import dump_json
from swarmbus.storage.search import SearchRepository

BATCH = 1000  # rows per transaction

# table -> primary key, in an order where every row's parents come first
TABLES: dict[str, str] = {
    "agent_workspaces": "agent_id",
    "agent_messages": "message_id",
    "discord_commands": "command_id",
    "core_systems_status": "system_id",
    "v2_compliance_audit": "audit_id",
    "integration_tests": "test_id",
    "file_reservations": "reservation_id",
}
_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
BOOLEANS = {
    "configured",
    "refactoring_required",
    "v2_compliance_check",
    "ack_required",
    "exclusive",
}
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
    columns = await contract_columns(source, target)
    source_counts, before = await counts(source), await counts(target)
    if not append and any(before.values()):
        filled = ", ".join(f"{t} ({n})" for t, n in before.items() if n)
        raise errors.UsageError(
            f"target {target.location} is not empty: {filled}; pass --append to add to it"
        )
    for table, key in TABLES.items():
        await _copy_table(source, target, (table, key, columns[table]), progress)
    report = CopyReport(source_counts, before, await counts(target))
    _verify(report, append, target.location)
    await SearchRepository(target.connector).catch_up()  # SQLite indexes after storing
    return report


async def counts(db: Database) -> dict[str, int]:
    """Rows per contract table."""
    return {
        table: int((await db.connector.fetch_one(f"SELECT count(*) AS n FROM {table}") or {})["n"])
        for table in TABLES
    }


async def contract_columns(source: Database, target: Database) -> dict[str, list[str]]:
    """Table -> the columns to copy: the target's own, generated ones left out.

    Refuses (`UsageError`, one line) a source table holding a column the
    target does not have: this version would not know what to do with it.
    """
    columns = {}
    for table in TABLES:
        written = await _columns(target, table)
        known = {name for name, _ in written}
        for name, generated in await _columns(source, table):
            if not generated and name not in known:
                raise errors.UsageError(
                    f"source {source.location} has a column {table}.{name}, which this "
                    f"swarmbus does not know; nothing was copied (copy with the swarmbus "
                    f"that wrote it, or drop the column)"
                )
        columns[table] = [name for name, generated in written if not generated]
    return columns


async def _columns(db: Database, table: str) -> list[tuple[str, bool]]:
    """(column, generated?) of one table, in table order."""
    query = sql.load(db.connector.dialect)["list_columns"]
    rows = await db.connector.fetch_all(query, {"table": table})
    found = [(str(row["name"]), bool(row["generated"])) for row in rows]
    bad = [name for name, _ in found if not _PLAIN_NAME.fullmatch(name)]
    if bad:
        raise errors.UsageError(f"{db.location}: column {table}.{bad[0]!r} is not a plain name")
    return found


async def _copy_table(
    source: Database,
    target: Database,
    table_key_columns: tuple[str, str, list[str]],
    progress: Progress | None,
) -> None:
    table, key, columns = table_key_columns
    names = ", ".join(columns)
    after: Any = ""
    while True:
        rows = await source.connector.fetch_all(
            f"SELECT {names} FROM {table} WHERE {key} > :after ORDER BY {key} LIMIT :batch",
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
