"""Looking at the database itself: integrity, foreign keys, the CHECKs and indexes in its schema."""

from __future__ import annotations

import re

from swarmbus.storage import migrations
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector

# The status, enum and range columns whose CHECK constraints the contract requires.
REQUIRED_CHECKS: dict[str, tuple[str, ...]] = {
    "agent_workspaces": ("status", "integration_status", "coordination_efficiency"),
    "agent_messages": ("priority", "status", "delivery_status", "retry_count", "delivery_method"),
    "discord_commands": ("command_type", "execution_status", "command_validation_status"),
    "core_systems_status": ("system_name", "system_status", "health_score"),
    "v2_compliance_audit": ("component_type", "compliance_score", "refactoring_priority"),
    "integration_tests": ("test_type", "test_status", "test_coverage_percentage"),
}


async def integrity_problems(connector: Connector) -> list[str]:
    """What `PRAGMA integrity_check` found; empty when the file is sound."""
    rows = await connector.fetch_all(sql.load(connector.dialect)["integrity_check"])
    messages = [str(next(iter(row.values()))) for row in rows]
    return [] if messages == ["ok"] else messages


async def foreign_key_problems(connector: Connector) -> list[str]:
    """One line per row whose foreign key points at nothing."""
    rows = await connector.fetch_all(sql.load(connector.dialect)["foreign_key_check"])
    return [f"{row['table']} row {row['rowid']} -> {row['parent']}" for row in rows]


async def missing_checks(connector: Connector) -> list[str]:
    """`table.column` for every required CHECK the schema lacks."""
    rows = await connector.fetch_all(sql.load(connector.dialect)["list_tables"])
    schema = {row["name"]: row["sql"] or "" for row in rows}
    missing = []
    for table, columns in REQUIRED_CHECKS.items():
        text = schema.get(table, "")
        for column in columns:
            if not re.search(rf"CHECK\s*\(+\s*{column}\b", text):
                missing.append(f"{table}.{column}")
    return missing


_CREATE_INDEX = re.compile(
    r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE
)
_DROP_INDEX = re.compile(r"DROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?(\w+)", re.IGNORECASE)


def expected_indexes(dialect: str) -> set[str]:
    """The index names the shipped migrations create (and do not drop again)."""
    names: set[str] = set()
    for migration in migrations.packaged_migrations(dialect):
        names |= set(_CREATE_INDEX.findall(migration.sql))
        names -= set(_DROP_INDEX.findall(migration.sql))
    return names


async def missing_indexes(connector: Connector) -> list[str]:
    """Indexes the migrations create that the database lacks (a dropped index slows claims)."""
    rows = await connector.fetch_all(sql.load(connector.dialect)["list_indexes"])
    present = {row["name"] for row in rows}
    return sorted(expected_indexes(connector.dialect) - present)


async def journal_mode(connector: Connector) -> str:
    """The file's journal mode, lower case ('wal' when several processes can share it)."""
    row = await connector.fetch_one(sql.load(connector.dialect)["journal_mode"])
    return str(next(iter(row.values()))).lower() if row else "unknown"
