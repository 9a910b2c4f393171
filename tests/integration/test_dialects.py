"""The PostgreSQL schema is the SQLite schema: same tables, columns, CHECKs and indexes
(each dialect's search index, and one index of SQLite's, aside)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from swarmbus import errors
from swarmbus.agents.config import Swarm
from swarmbus.storage import inspection
from swarmbus.storage.database import Database, open_database
from swarmbus.storage.queries import load
from tests.conftest import CONTRACT_TABLES

# Each dialect's own search index, left out of the comparison: SQLite's is an FTS5 table
# beside agent_messages; PostgreSQL's a table beside it with pg_trgm GIN indexes
# (tests/integration/test_search.py runs the same searches on both).
POSTGRES_SEARCH = {"idx_search_content", "idx_search_subject"}
# SQLite's index of each recipient's unread messages in id order (migration 0020): on
# PostgreSQL every claim and settle would write it an entry (no update there is HOT).
SQLITE_ONLY = {"idx_message_unread_by_id"}


async def columns(db: Database) -> dict[str, list[str]]:
    if db.connector.dialect == "sqlite":
        return {
            t: [r["name"] for r in await db.connector.fetch_all(f"PRAGMA table_xinfo({t})")]
            for t in CONTRACT_TABLES
        }
    found = {}
    for table in CONTRACT_TABLES:
        rows = await db.connector.fetch_all(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
            "AND table_schema = current_schema() ORDER BY ordinal_position",
            {"t": table},
        )
        found[table] = [r["column_name"] for r in rows if r["column_name"] not in POSTGRES_SEARCH]
    return found


async def index_names(db: Database) -> set[str]:
    rows = await db.connector.fetch_all(load(db.connector.dialect)["list_indexes"])
    return {row["name"] for row in rows} - POSTGRES_SEARCH - SQLITE_ONLY


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_both_schemas_match(
    make_swarm: Callable[..., Swarm], backend: str, tmp_path: object
) -> None:
    async with (
        await open_database(backend) as pg,
        await open_database(f"{tmp_path}/lite.db") as lite,
    ):
        assert await columns(pg) == await columns(lite)
        assert await index_names(pg) == await index_names(lite)
        assert await inspection.missing_checks(pg.connector) == []
        assert await inspection.missing_indexes(pg.connector) == []
        assert await inspection.missing_checks(lite.connector) == []


BAD_ROWS = [
    "INSERT INTO agent_workspaces (agent_id, team, specialization, captain, status) "
    "VALUES ('A', 't', 's', 'c', 'napping')",
    "INSERT INTO core_systems_status (system_id, system_name, system_status, health_score) "
    "VALUES ('s', 'messaging', 'active', 101)",
    "INSERT INTO discord_commands (command_id, agent_id, command_type, command_data) "
    "VALUES ('c', 'A', 'launch_missiles', '{}')",
    "INSERT INTO v2_compliance_audit (audit_id, component_name, component_type, "
    "compliance_score, auditor_agent) VALUES ('a', 'x', 'file', -1, 'me')",
    "INSERT INTO integration_tests (test_id, test_name, test_type, integration_component, "
    "test_agent) VALUES ('t', 'n', 'astrology', 'c', 'a')",
]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("statement", BAD_ROWS)
async def test_postgres_checks_reject_bad_rows(backend: str, statement: str) -> None:
    async with await open_database(backend) as db:
        with pytest.raises(errors.ConstraintViolation):
            await db.connector.execute(statement)


# PostgreSQL reads a table's CHECKs back from their stored node text at the start of
# every statement that writes a row of it: 17,914 characters for agent_messages before
# migration 0017 moved its one-column rules onto domains, 4,696 after.
MOST_CHECK_TEXT = 6_000


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_a_message_write_reads_little_check_text_on_postgres(backend: str) -> None:
    async with await open_database(backend) as db:
        row = await db.connector.fetch_one(
            "SELECT sum(length(conbin::text)) AS size FROM pg_constraint "
            "WHERE conrelid = 'agent_messages'::regclass AND contype = 'c'"
        )
    assert row is not None
    assert 0 < row["size"] < MOST_CHECK_TEXT
