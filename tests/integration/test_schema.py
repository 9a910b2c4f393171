"""The seven tables of the seed contract, their CHECKs, and the indexes the claim uses."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from swarmbus import errors
from swarmbus.model.messages import PRIORITIES
from swarmbus.storage.database import Database
from tests.conftest import CONTRACT_TABLES

SEED = (Path(__file__).parent.parent / "data" / "seed-schema.sql").read_text()
SEED_TABLES = [t for t in CONTRACT_TABLES if t != "schema_migrations"]


def seed_columns() -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {}
    for table, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\);", SEED, re.S):
        names = []
        for line in body.splitlines():
            line = line.strip()
            if line and not line.startswith("--"):
                names.append(line.split()[0])
        columns[table] = names
    return columns


def seed_indexes() -> list[tuple[str, str, str]]:
    return re.findall(r"CREATE INDEX (\w+) ON (\w+)\((\w+)\);", SEED)


async def test_every_seed_column_is_there(db: Database) -> None:
    expected = seed_columns()
    assert sorted(expected) == sorted(SEED_TABLES)
    for table, columns in expected.items():
        rows = await db.connector.fetch_all(f"PRAGMA table_xinfo({table})")
        present = {row["name"] for row in rows}
        assert set(columns) <= present, f"{table} lost {set(columns) - present}"
    migrations = await db.connector.fetch_all("PRAGMA table_info(schema_migrations)")
    assert {"version", "applied_at", "description"} <= {row["name"] for row in migrations}


async def test_every_seed_index_is_there(db: Database) -> None:
    rows = await db.connector.fetch_all(
        "SELECT name, tbl_name FROM sqlite_master WHERE type='index'"
    )
    present = {(row["name"], row["tbl_name"]) for row in rows}
    for name, table, column in seed_indexes():
        assert (name, table) in present
        # still led by the seed's column (idx_message_to_agent now orders by id after it)
        first = await db.connector.fetch_one(
            f"SELECT name FROM pragma_index_info('{name}') ORDER BY seqno LIMIT 1"
        )
        assert first == {"name": column}, name


async def _insert_message(db: Database, **overrides: object) -> None:
    await db.connector.execute(
        "INSERT INTO agent_workspaces (agent_id, team, specialization, captain) "
        "VALUES ('A', 't', 's', 'c') ON CONFLICT DO NOTHING"
    )
    row = {
        "message_id": "m1",
        "from_agent": "x",
        "to_agent": "A",
        "priority": "normal",
        "content": "hi",
        **overrides,
    }
    columns = ", ".join(row)
    marks = ", ".join(f":{key}" for key in row)
    await db.connector.execute(f"INSERT INTO agent_messages ({columns}) VALUES ({marks})", row)


@pytest.mark.parametrize("priority", PRIORITIES)
async def test_message_rank_is_the_databases_generated_rank(db: Database, priority: str) -> None:
    await _insert_message(db, message_id=f"m-{priority}", priority=priority)
    row = await db.connector.fetch_one("SELECT priority_rank FROM agent_messages")
    message = await db.messages.get(f"m-{priority}")
    assert message is not None
    assert message.priority_rank == row["priority_rank"] == PRIORITIES.index(priority)


@pytest.mark.parametrize(
    "overrides",
    [
        {"priority": "asap"},
        {"delivery_status": "lost"},
        {"status": "delivered"},  # disagrees with delivery_status 'pending'
        {"retry_count": -1},
        {"tags": "not json"},
        {"tags": '{"an": "object"}'},
        {"content": ""},
        {"delivery_method": "carrier pigeon"},
        {"coordinate_validation_status": "maybe"},
        {"delivery_status": "claimed"},  # a claim without lease and token
        {"to_agent": "nobody"},  # foreign key
    ],
)
async def test_message_checks_reject_bad_rows(db: Database, overrides: dict[str, object]) -> None:
    with pytest.raises(errors.ConstraintViolation):
        await _insert_message(db, **overrides)


async def test_a_good_message_row_is_accepted(db: Database) -> None:
    await _insert_message(db, tags='["a"]')
    row = await db.connector.fetch_one("SELECT priority_rank, status FROM agent_messages")
    assert row == {"priority_rank": 2, "status": "pending"}


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        (
            "INSERT INTO core_systems_status (system_id, system_name, system_status, health_score) "
            "VALUES ('s', 'messaging', 'active', 101)",
            {},
        ),
        (
            "INSERT INTO core_systems_status (system_id, system_name, system_status) "
            "VALUES ('s', 'messaging', 'sleepy')",
            {},
        ),
        (
            "INSERT INTO core_systems_status (system_id, system_name, system_status, "
            "performance_metrics) VALUES ('s', 'messaging', 'active', '[1,')",
            {},
        ),
        (
            "INSERT INTO v2_compliance_audit (audit_id, component_name, component_type, "
            "compliance_score, auditor_agent) VALUES ('a', 'x', 'file', -1, 'me')",
            {},
        ),
        (
            "INSERT INTO v2_compliance_audit (audit_id, component_name, component_type, "
            "compliance_score, auditor_agent, refactoring_priority) "
            "VALUES ('a', 'x', 'file', 50, 'me', 'urgent')",
            {},
        ),
        (
            "INSERT INTO discord_commands (command_id, agent_id, command_type, command_data) "
            "VALUES ('c', 'A', 'launch_missiles', '{}')",
            {},
        ),
        (
            "INSERT INTO discord_commands (command_id, agent_id, command_type, command_data, "
            "execution_status) VALUES ('c', 'A', 'coordination', '{}', 'meh')",
            {},
        ),
        (
            "INSERT INTO discord_commands (command_id, agent_id, command_type, command_data) "
            "VALUES ('c', 'A', 'coordination', 'nope')",
            {},
        ),
        (
            "INSERT INTO integration_tests (test_id, test_name, test_type, integration_component, "
            "test_agent) VALUES ('t', 'n', 'astrology', 'c', 'a')",
            {},
        ),
        (
            "INSERT INTO integration_tests (test_id, test_name, test_type, integration_component, "
            "test_agent, test_coverage_percentage) VALUES ('t', 'n', 'database', 'c', 'a', 150)",
            {},
        ),
        (
            "INSERT INTO agent_workspaces (agent_id, team, specialization, captain, status) "
            "VALUES ('A', 't', 's', 'c', 'napping')",
            {},
        ),
        (
            "INSERT INTO agent_workspaces (agent_id, team, specialization, captain, v2_compliance) "
            "VALUES ('A', 't', 's', 'c', 100.5)",
            {},
        ),
    ],
)
async def test_other_tables_check_their_values(db: Database, sql: str, params: dict) -> None:
    with pytest.raises(errors.ConstraintViolation, match="CHECK constraint failed"):
        await db.connector.execute(sql, params)


async def test_claim_query_walks_the_lane_index(db: Database) -> None:
    from swarmbus.storage.queries import load

    plan = await db.connector.fetch_all(
        "EXPLAIN QUERY PLAN " + load("sqlite")["lane_heads"],
        {"lanes": '[["A", 0], ["B", 2]]', "per_lane": 10},
    )
    details = " | ".join(row["detail"] for row in plan)
    assert "idx_message_lane" in details
    assert "SCAN agent_messages" not in details.replace("SCAN agent_messages AS m USING", "")


BY_ID_QUERIES = [
    "claim_messages",
    "renew_leases",
    "mark_delivered",
    "record_failure",
    "mark_expired",
    "release_claims",
    "requeue_message",
    "get_message",
    "get_messages",
    "find_idempotent",
]


@pytest.mark.parametrize("name", BY_ID_QUERIES)
async def test_queries_by_id_never_walk_a_status(db: Database, name: str) -> None:
    """Settling a batch must cost the batch, not the number of rows in that status."""
    details = await _plan(db, name)
    assert not any(d.startswith("SCAN agent_messages") for d in details), details
    assert not any("idx_message_status" in d for d in details), details


THREAD_QUERIES = [
    "thread_messages",
    "thread_participants",
    "count_prunable_messages",
    "prune_messages",
]


@pytest.mark.parametrize("name", THREAD_QUERIES)
async def test_a_threads_messages_are_found_by_key_and_through_the_replies_index(
    db: Database, name: str
) -> None:
    """Most messages start no thread: the thread index holds replies only (migration 0011)
    and a thread's first message, whose id is the thread's, is found by its key."""
    details = await _plan(db, name)
    assert any("idx_message_thread_replies (thread_id=?)" in d for d in details), details
    assert any("sqlite_autoindex_agent_messages_1 (message_id=?)" in d for d in details), details
    assert not [d for d in details if re.match(r"SCAN (agent_messages|m|o|c)\b", d)], details


def test_sqlite_version_supports_returning() -> None:
    assert sqlite3.sqlite_version_info >= (3, 35, 0)


async def test_the_status_reports_counts_and_last_deliveries_walk_indexes(db: Database) -> None:
    """A dashboard refreshes these on every change: their cost must not grow with history."""
    from swarmbus.storage.queries import load

    queries = load("sqlite")
    counts = await db.connector.fetch_all(
        "EXPLAIN QUERY PLAN " + queries["count_by_agent_and_status"]
    )
    assert "COVERING INDEX idx_message_recipient_counts" in counts[0]["detail"]
    one = await _plan(db, "count_by_status_of_agent")  # an agent's page: its range alone
    assert one == ["SEARCH agent_messages USING COVERING INDEX idx_message_recipient_counts "
                   "(to_agent=?)"]  # fmt: skip
    last = await db.connector.fetch_all(
        "EXPLAIN QUERY PLAN " + queries["last_delivery_by_recipient"]
    )
    details = " | ".join(row["detail"] for row in last)
    assert "idx_message_last_delivery" in details
    assert "SCAN m " not in details + " ", details
    assert "SCAN agent_messages" not in details, details


async def test_lane_heads_walk_the_lanes_even_when_statistics_say_the_table_is_small(
    db: Database,
) -> None:
    """After ANALYZE of a few hundred rows the planner scanned agent_messages once per
    lane: a claim on a near-empty table cost ten times one on a table of 100,000."""
    from swarmbus.storage.queries import load

    await db.connector.execute(
        "INSERT INTO agent_workspaces (agent_id, team, specialization, captain) "
        "VALUES ('Agent-1', 't', 's', 'c')"
    )
    await db.connector.execute(
        "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 300) "
        "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, content, "
        "thread_id) SELECT printf('%026d', v), 'p', 'Agent-1', 'normal', 'x', "
        "printf('%026d', v) FROM n"
    )
    await db.connector.execute("ANALYZE")
    plan = await db.connector.fetch_all(
        "EXPLAIN QUERY PLAN " + load("sqlite")["lane_heads"],
        {"lanes": '[["Agent-1", 2]]', "per_lane": 1},
    )
    details = [row["detail"] for row in plan]
    assert not any(d.startswith(("SCAN m", "SCAN agent_messages")) for d in details), details


# One recipient's newest few messages, and the index entries each query must start from:
# the end of the recipient's range, not its whole history sorted (migrations 0019, 0020).
NEWEST_FIRST = {
    "inbox_messages": "USING INDEX idx_message_to_agent (to_agent=?)",
    "finished_messages_to_agent": "USING INDEX idx_message_to_agent (to_agent=?)",
    "inbox_unread": "USING INDEX idx_message_unread_by_id (to_agent=?)",
    "mark_read": "(to_agent=? AND message_id=?)",
    "recent_deliveries": "USING INDEX idx_message_processed_at",
}


@pytest.mark.parametrize("statistics", [False, True], ids=["no statistics", "analyzed"])
@pytest.mark.parametrize("name", NEWEST_FIRST)
async def test_a_recipients_newest_messages_are_read_from_the_end_of_its_range(
    db: Database, name: str, statistics: bool
) -> None:
    """Without statistics an inbox of 12,500 messages took 21-43 ms (sorted), now 0.1 ms."""
    await _history(db, statistics)
    details = await _plan(db, name)
    assert any(NEWEST_FIRST[name] in d for d in details), details
    assert not any("TEMP B-TREE" in d or d.startswith("SCAN agent_messages") for d in details)


async def _history(db: Database, statistics: bool) -> None:
    """300 messages to each of two recipients; with `statistics`, ANALYZE them."""
    for agent in ("Agent-1", "Agent-2"):
        await db.connector.execute(
            "INSERT INTO agent_workspaces (agent_id, team, specialization, captain) "
            "VALUES (:agent, 't', 's', 'c')",
            {"agent": agent},
        )
        await db.connector.execute(
            "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 300) "
            "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, content, "
            "thread_id) SELECT printf('%s%022d', :agent, v), 'p', :agent, 'normal', 'x', "
            "printf('%s%022d', :agent, v) FROM n",
            {"agent": agent},
        )
    if statistics:
        await db.connector.execute("ANALYZE")


async def _plan(db: Database, name: str) -> list[str]:
    from swarmbus.storage.queries import load

    query = load("sqlite")[name]
    params = dict.fromkeys(re.findall(r":(\w+)", query))
    return [
        row["detail"] for row in await db.connector.fetch_all("EXPLAIN QUERY PLAN " + query, params)
    ]


@pytest.mark.parametrize("statistics", [False, True], ids=["no statistics", "analyzed"])
async def test_a_listing_by_status_reads_the_newest_end_of_each_status(
    db: Database, statistics: bool
) -> None:
    """The dashboard's dead letters: without migration 0021 each status's messages were
    sorted whole (and before `messages_in_status`, the whole table was walked)."""
    await _history(db, statistics)
    details = await _plan(db, "messages_in_status")
    searches = [n for n, d in enumerate(details) if d.startswith("SEARCH agent_messages")]
    assert len(searches) == 3, details
    for n in searches:
        assert "idx_message_status (delivery_status=?)" in details[n], details
        assert "TEMP B-TREE" not in details[n + 1], details  # in order, not sorted
    assert not any(d.startswith("SCAN agent_messages") for d in details), details


# Pages that list what an agent or a person sent: each arm from the end of a range of an
# index (migration 0022), never the table walked from the newest message.
PAGES = {
    "messages_of_agent": [
        "agent_messages USING INDEX idx_message_to_agent (to_agent=?)",
        "agent_messages USING INDEX idx_message_from_agent (from_agent=?)",
    ],
    "messages_for_person": [
        "agent_messages USING INDEX idx_message_to_agent (to_agent=?)",
        "answered USING COVERING INDEX idx_message_from_agent (from_agent=?)",
        "m USING INDEX idx_message_reply_to (reply_to=?)",
    ],
}


@pytest.mark.parametrize("statistics", [False, True], ids=["no statistics", "analyzed"])
@pytest.mark.parametrize("name", PAGES)
async def test_an_agents_and_a_persons_pages_read_indexes_not_the_history(
    db: Database, name: str, statistics: bool
) -> None:
    """At 1,000,000 messages a quiet agent's page walked the table for 0.35-0.48 s."""
    await _history(db, statistics)
    details = await _plan(db, name)
    searches = [d.removeprefix("SEARCH ") for d in details if d.startswith("SEARCH ")]
    assert sorted(set(searches)) == sorted(PAGES[name]), details
    assert not any(d.startswith("SCAN agent_messages") for d in details), details
