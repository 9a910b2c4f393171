"""PostgreSQL finds the messages a by-id statement names through the primary key.

The planner guesses 100 rows for any set-returning function, so ids given as a JSON
list (`IN (SELECT jsonb_array_elements_text(...))`, or a join to
`jsonb_array_elements`) made a sequential scan look cheaper than 100 index probes on
a table of a few thousand rows, and a connection kept that plan as the table grew
(migration 0014). These tests fill a table of that size and read the plans the
server keeps: generic ones, as PL/pgSQL and a long-lived prepared statement use.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from swarmbus.model.messages import NewMessage
from swarmbus.storage.connector import Statements
from swarmbus.storage.database import Database, open_database
from swarmbus.storage.postgres import compile_query
from swarmbus.storage.queries import load

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)

ROWS = 3_000  # where the sequential scan looked cheaper to the planner
BY_ID_QUERIES = [
    "renew_leases",
    "release_claims",
    "get_messages",
    "claim_messages",
    "find_idempotent",
    "mark_read",
]


async def register(db: Database, agents: list[str]) -> None:
    """Workspace rows for the recipients (their messages' foreign key)."""
    for agent in agents:
        await db.connector.execute(
            "INSERT INTO agent_workspaces (agent_id, team, specialization, captain) "
            "VALUES (:agent, 't', 's', 'c')",
            {"agent": agent},
        )


@pytest.fixture
async def filled(backend: str) -> AsyncIterator[Database]:
    db = await open_database(backend)
    await register(db, ["Agent-1"])
    await db.messages.insert(
        [
            NewMessage("person", "Agent-1", f"message {n} " + "x" * 190, idempotency_key=f"k{n}")
            for n in range(ROWS)
        ]
    )
    await db.connector.execute("ANALYZE agent_messages")
    yield db
    await db.close()


@pytest.mark.parametrize("name", BY_ID_QUERIES)
async def test_the_generic_plan_of_a_by_id_query_never_scans_the_messages(
    filled: Database, name: str
) -> None:
    plan = await _prepared_plan(filled, name, {}, generic=True)
    assert not [line for line in plan if "Seq Scan on agent_messages" in line], plan
    assert [line for line in plan if "agent_messages_pkey" in line or "idx_message_" in line], plan


async def test_a_settle_reads_a_few_pages_however_many_rows_the_table_holds(
    filled: Database,
) -> None:
    """`swarmbus_mark_delivered` is PL/pgSQL: its plan is not shown by EXPLAIN, but the
    pages it reads are. A sequential scan of the table reads all of them (about 150)."""
    newest = await filled.connector.fetch_one("SELECT max(message_id) AS id FROM agent_messages")
    outcomes = json.dumps([{"id": newest["id"], "token": "not-held"}])  # type: ignore[index]
    pages = []
    async with filled.connector.transaction() as tx:
        for _ in range(8):  # past the five custom plans, to the generic one PL/pgSQL keeps
            plan = await tx.fetch_all(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "
                "SELECT swarmbus_mark_delivered(:outcomes::jsonb, true)",
                {"outcomes": outcomes},
            )
            top = json.loads(plan[0]["QUERY PLAN"])[0]["Plan"]
            pages.append(top["Shared Hit Blocks"] + top["Shared Read Blocks"])
    table = await filled.connector.fetch_one(
        "SELECT pg_relation_size('agent_messages') / current_setting('block_size')::int AS n"
    )
    assert table["n"] > 100  # type: ignore[index]
    assert max(pages[1:]) < 20, (pages, table)


AGENTS = [f"Agent-{n}" for n in range(1, 9)]


@pytest.fixture
async def with_history(backend: str) -> AsyncIterator[Database]:
    """8 lanes, each with 375 delivered messages below 220 waiting ones: where the planner
    guessed a lane's head lay a few rows into the primary key."""
    db = await open_database(backend)
    await register(db, AGENTS)
    # delivered history stored in id order (as it accrues, and as a restore or `db copy`
    # writes it), with ids below every new one
    await db.connector.execute(
        "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, tags, "
        "content, status, delivery_method, delivery_status, processed_at, thread_id) "
        "SELECT lpad(n::text, 26, '0'), 'person', 'Agent-' || (n % 8 + 1), 'normal', '[]', "
        "repeat('x', 200), 'delivered', 'inbox', 'delivered', now(), lpad(n::text, 26, '0') "
        "FROM generate_series(1, :rows) AS n",
        {"rows": ROWS},
    )
    await db.messages.insert([NewMessage("person", AGENTS[n % 8], "y" * 200) for n in range(1760)])
    await db.connector.execute("VACUUM ANALYZE agent_messages")
    yield db
    await db.close()


async def test_the_lane_heads_come_from_the_lane_index_past_any_history(
    with_history: Database,
) -> None:
    """Asked for whole rows in id order, the planner walked the primary key past every
    delivered row below a lane's head (migration 0015). The custom plan, which knows the
    limit, is the one that did."""
    text, _ = compile_query(load("postgres")["lane_heads"])
    async with with_history.connector.transaction() as tx:
        await tx.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        await tx.execute(f"PREPARE heads AS {text}")
        try:
            lanes = json.dumps([["Agent-1", 2]])
            plan = await tx.fetch_all(
                f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE heads('{lanes}', 4)"
            )
        finally:
            await tx.execute("DEALLOCATE heads")
    top = json.loads(plan[0]["QUERY PLAN"])[0]["Plan"]
    assert "idx_message_lane" in plan[0]["QUERY PLAN"], top
    assert top["Actual Rows"] == 4
    assert top["Shared Hit Blocks"] + top["Shared Read Blocks"] < 30, top


async def test_a_claim_reads_a_few_pages_past_any_history(with_history: Database) -> None:
    """The claim function's locking read of a lane's head, through the lane index: a run
    that is not the head is checked and left, 8 times (past the five custom plans)."""
    runs = json.dumps([["Agent-1", 2, ["not-the-head"]]])
    pages = []
    async with with_history.connector.transaction() as tx:
        for _ in range(8):
            plan = await tx.fetch_all(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "
                "SELECT * FROM swarmbus_claim_runs(:runs::jsonb, 30, 'token', 'test')",
                {"runs": runs},
            )
            top = json.loads(plan[0]["QUERY PLAN"])[0]["Plan"]
            assert top["Actual Rows"] == 0
            pages.append(top["Shared Hit Blocks"] + top["Shared Read Blocks"])
    assert max(pages[1:]) < 30, pages


async def _pages(tx: Statements, call: str, params: dict[str, str]) -> int:
    """Pages a function call read (its statements' plans are not shown, their reads are)."""
    plan = await tx.fetch_all(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {call}", params)
    top = json.loads(plan[0]["QUERY PLAN"])[0]["Plan"]
    return top["Shared Hit Blocks"] + top["Shared Read Blocks"]


async def test_plans_made_on_a_new_table_still_use_the_indexes_once_it_fills(
    backend: str,
) -> None:
    """A connection keeps the generic plans of the claim and the settle from their sixth
    call on, made with the statistics of that moment. On a new table, never analyzed, a
    plan could read the whole lane index or the whole table on every call until
    autovacuum analyzed it (migration 0016): at 10,000 rows, hundreds of pages a call."""
    db = await open_database(backend)
    await register(db, ["Agent-1"])
    insert = (
        "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, tags, "
        "content, status, delivery_method, delivery_status, thread_id) "
        "SELECT lpad(n::text, 26, '0'), 'person', 'Agent-1', 'normal', '[]', "
        "repeat('x', 200), 'pending', 'inbox', 'pending', lpad(n::text, 26, '0') "
        "FROM generate_series(:first::int, :last::int) AS n"
    )
    claim = "SELECT * FROM swarmbus_claim_runs(:runs::jsonb, 30, 'token', 'test')"
    settle = "SELECT swarmbus_mark_delivered(:outcomes::jsonb, true)"
    pages = []
    try:
        async with db.connector.transaction() as tx:  # one connection: one plan cache
            await tx.execute(insert, {"first": 1, "last": 8})
            for first in range(1, 9):
                if first == 8:  # the plans are kept; now the table fills, unanalyzed
                    await tx.execute(insert, {"first": 9, "last": 10_000})
                head = lpad(first)
                runs = json.dumps([["Agent-1", 2, [head]]])
                outcomes = json.dumps([{"id": head, "token": "token", "ms": 1}])
                pages.append(await _pages(tx, claim, {"runs": runs}))
                pages.append(await _pages(tx, settle, {"outcomes": outcomes}))
            delivered = await tx.fetch_one(
                "SELECT count(*) AS n FROM agent_messages WHERE delivery_status = 'delivered'"
            )
    finally:
        await db.close()
    assert delivered is not None
    assert delivered["n"] == 8
    assert max(pages[-2:]) < 60, pages


def lpad(n: int) -> str:
    return str(n).rjust(26, "0")


@pytest.fixture
async def crowded(filled: Database) -> Database:
    """27,000 more messages over ten more recipients, Agent-11 sent one message in 270."""
    others = [f"Agent-{n}" for n in range(2, 12)]
    await register(filled, [*others, "Agent-12"])  # Agent-12: nothing either way
    await filled.connector.execute(
        "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, content, "
        "thread_id) SELECT lpad(n::text, 26, '0'), 'p', CASE WHEN n % 270 = 0 THEN "
        "'Agent-11' ELSE (:others)::jsonb ->> (n % 9) END, 'normal', 'x', "
        "lpad(n::text, 26, '0') FROM generate_series(1, 27000) AS n",
        {"others": json.dumps(others)},
    )
    await filled.connector.execute("ANALYZE agent_messages")
    return filled


async def test_an_inbox_is_read_in_order_not_sorted(crowded: Database) -> None:
    """An index that keeps a recipient's messages in id order gives its newest first
    (migration 0019): no sort of its whole history. Without it, for a recipient of few
    messages among many, the planner sorted them all."""
    values = {"agent": "'Agent-11'", "limit": "20"}
    plan = await _prepared_plan(crowded, "inbox_messages", values, generic=False)
    assert not [line for line in plan if "Sort" in line or "Seq Scan" in line], plan


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("messages_of_agent", {"agent": "'Agent-12'", "limit": "50"}),
        ("messages_for_person", {"name": "'Agent-12'", "alias": "'web:alice'", "limit": "20"}),
    ],
)
async def test_a_quiet_agents_and_a_persons_pages_read_indexes(
    crowded: Database, name: str, values: dict[str, str]
) -> None:
    """What an agent or a person sent is found through idx_message_from_agent (migration
    0022); without it the planner read the whole table for them."""
    plan = await _prepared_plan(crowded, name, values, generic=False)
    assert any("idx_message_from_agent" in line for line in plan), "\n".join(plan)
    assert not [line for line in plan if "Seq Scan" in line or "pkey" in line], plan


async def _prepared_plan(
    db: Database, name: str, values: dict[str, str], *, generic: bool
) -> list[str]:
    """The plan the server keeps for query `name` prepared and executed with `values`
    (SQL literals; NULL for the others); `generic`: the plan made for any values, as
    PL/pgSQL and a long-lived prepared statement use."""
    text, names = compile_query(load("postgres")[name])
    arguments = ", ".join(values.get(n, "NULL") for n in names)
    async with db.connector.transaction() as tx:
        if generic:
            await tx.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        await tx.execute(f"PREPARE planned AS {text}")
        try:
            rows = await tx.fetch_all(f"EXPLAIN EXECUTE planned({arguments})")
        finally:
            await tx.execute("DEALLOCATE planned")
    return [row["QUERY PLAN"] for row in rows]
