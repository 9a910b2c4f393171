"""Full-text search, the same tests on SQLite (FTS5, trigram) and PostgreSQL (pg_trgm, tsvector).

User text is one literal, case-insensitive phrase: every FTS operator and
SQL-looking string is searched as written and never raises; code-ish terms
and any script are found; short text is a bounded scan; a failure is an
error, never an empty result.
"""

from __future__ import annotations

from datetime import timedelta

import anyio
import pytest

from swarmbus import errors
from swarmbus.bus import requests
from swarmbus.bus.api import Bus
from swarmbus.bus.outbox import compose
from swarmbus.model import ids, timefmt
from swarmbus.model.conversations import SearchFilters, SearchResult
from swarmbus.storage import queries
from swarmbus.storage.claims import Outcome
from swarmbus.storage.messages import _insert_params
from swarmbus.storage.search import SearchRepository, keep_index_current
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

FILLER = [
    "rebased the branch onto main and reran the unit tests",
    "the dashboard loads in 300 ms now; closing the ticket",
    "lunch break, back in twenty minutes",
    "bumped the pinned version of the driver after the release notes",
]
CORPUS = {
    "path": "please review storage/claims.py before the PR-42 merge",
    "snake": "renamed snake_case_name to snake_case_key in the loader",
    "cjk": "日本語のテキスト検索 works with trigram tokens",
    "emoji": "deploy done 🚀 all green",
    "accent": "the café on the corner fixed naïve Unicode handling",
    "syntax": 'literal "quoted" text, a*b, -x, NEAR(a b), (((, and \'; DROP TABLE x; --',
    "percent": "coverage at 100% for storage_claims, path C:\\temp\\x",
}


async def _corpus(bus: Bus) -> dict[str, str]:
    for text in FILLER:
        await bus.send("Agent-1", "Agent-2", text)
    return {name: await bus.send("Agent-1", "Agent-3", text) for name, text in CORPUS.items()}


def _ids(result: SearchResult) -> list[str]:
    return [hit.message.message_id for hit in result.hits]


LITERALS = [  # (text, the corpus entry that alone holds it)
    ("storage/claims.py", "path"),
    ("claims.py", "path"),
    ("CLAIMS.PY", "path"),
    ("PR-42", "path"),
    ("snake_case_name", "snake"),
    ("case_na", "snake"),
    ("テキスト", "cjk"),
    ("日本語のテキスト検索", "cjk"),
    ("🚀 all", "emoji"),
    ("café", "accent"),
    ("CAFÉ", "accent"),
    ("naïve", "accent"),
    ('"quoted"', "syntax"),
    ("a*b", "syntax"),
    ("-x,", "syntax"),
    ("NEAR(a b)", "syntax"),
    ("(((", "syntax"),
    ("'; DROP TABLE x; --", "syntax"),
    ("100%", "percent"),
    ("storage_claims", "percent"),
    ("C:\\temp\\x", "percent"),
]
OPERATORS = ["NEAR", "a* OR b", '"', '""', "AND", "-", "x OR 1=1", "%", "_", "\\", "*", "^", ")"]


async def test_the_text_is_found_literally(bus: Bus) -> None:
    sent = await _corpus(bus)
    for query, expected in LITERALS:
        result = await bus.search(query)
        assert (_ids(result), result.method) == ([sent[expected]], "index"), query
        hit = result.hits[0]
        marked = [hit.snippet[s.start : s.end].casefold() for s in hit.highlights]
        assert marked[:1] == [query.casefold()], (query, hit.snippet)


async def test_operators_and_wildcards_match_exactly_the_messages_holding_them(bus: Bus) -> None:
    await _corpus(bus)
    stored = await bus.messages(limit=100)
    for query in OPERATORS:
        holding = {m.message_id for m in stored if query.lower() in m.content.lower()}
        assert set(_ids(await bus.search(query))) == holding, query  # and never raises


async def test_wildcards_are_not_wildcards(bus: Bus) -> None:
    await _corpus(bus)
    assert _ids(await bus.search("stor%claims")) == []  # % is not "anything"
    assert _ids(await bus.search("storage_claims.py")) == []  # _ is not "any character"
    assert _ids(await bus.search("snake*")) == []


async def test_what_the_index_cannot_hold_is_scanned_and_said_so(bus: Bus) -> None:
    sent = await _corpus(bus)
    rocket = await bus.search("🚀")
    assert (rocket.method, rocket.scanned) == ("scan", 5_000)
    assert _ids(rocket) == [sent["emoji"]]
    assert _ids(await bus.search("PR")) == [sent["path"]]
    assert _ids(await bus.search("日本")) == [sent["cjk"]]


async def test_cafe_without_its_accent_is_another_word(bus: Bus) -> None:
    await _corpus(bus)
    assert _ids(await bus.search("cafe")) == []  # literal: no accent folding on either backend


async def test_the_better_match_comes_first(bus: Bus) -> None:
    await _corpus(bus)
    once = await bus.send("A", "Agent-2", "a long note about many things " * 8 + "deadlock")
    thrice = await bus.send("A", "Agent-2", "deadlock in the claim loop: deadlock, deadlock")
    titled = await bus.send("A", "Agent-2", "see the subject", subject="deadlock report")
    result = await bus.search("deadlock")
    assert set(_ids(result)) == {once, thrice, titled}
    assert _ids(result)[0] in (thrice, titled)
    assert _ids(result)[-1] == once
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)


async def test_the_snippet_is_one_line_around_the_hit(bus: Bus) -> None:
    body = "intro\n" + "padding words here " * 40 + "\nthe needle_in_hay sits here\n" + "x " * 200
    await bus.send("A", "Agent-1", body)
    hit = (await bus.search("needle_in_hay")).hits[0]
    assert "\n" not in hit.snippet
    assert len(hit.snippet) < 400
    (span,) = hit.highlights
    assert hit.snippet[span.start : span.end] == "needle_in_hay"


async def test_filters_narrow_the_search(bus: Bus) -> None:
    first = await bus.send("Agent-1", "Agent-2", "rollout plan", subject="rollout")
    other = await bus.send("Agent-3", "Agent-1", "rollout done")
    answer = (await bus.reply(first, "Agent-2", "rollout ack")).message_ids["Agent-1"]

    async def found(**filters: object) -> set[str]:
        return set(_ids(await bus.search("rollout", SearchFilters(**filters))))  # type: ignore[arg-type]

    assert await found() == {first, other, answer}
    assert await found(agent="Agent-3") == {other}
    assert await found(from_agent="Agent-2") == {answer}
    assert await found(thread_id=first.lower()) == {first, answer}
    assert await found(status="delivered") == set()
    assert await found(since=timefmt.utcnow() + timedelta(hours=1)) == set()
    assert len((await bus.search("rollout", limit=1)).hits) == 1


@pytest.mark.parametrize(
    ("query", "filters", "limit", "expected"),
    [
        ("", None, 20, "search query is empty"),
        ("   ", None, 20, "search query is empty"),
        ("x" * 10_240, None, 20, "search query is 10,240 characters; at most 500"),
        ("a\x00b", None, 20, "NUL"),
        ("ok", SearchFilters(agent="Agent-9"), 20, "'Agent-9' is not a configured agent"),
        ("ok", SearchFilters(thread_id="nope"), 20, "thread 'nope' is not a message id"),
        ("ok", SearchFilters(status="lost"), 20, "status 'lost' is not allowed"),
        ("ok", None, 0, "limit 0 is not allowed; use 1 to 100"),
    ],
)
async def test_bad_searches_are_refused_in_one_line(
    bus: Bus, query: str, filters: SearchFilters | None, limit: int, expected: str
) -> None:
    with pytest.raises(errors.UsageError) as refused:
        await bus.search(query, filters, limit)
    assert expected in str(refused.value)
    assert "\n" not in str(refused.value)


async def test_a_failing_search_is_an_error_not_an_empty_result(bus: Bus) -> None:
    await bus.send("A", "Agent-1", "something to find")
    await bus.db.connector.execute("DROP TABLE agent_messages_search")
    with pytest.raises(errors.SearchFailed, match="search for 'something' failed"):
        await bus.search("something")


async def test_messages_stored_before_search_existed_are_found_after_a_text_change(
    bus: Bus,
) -> None:
    """The index follows the rows: an edited subject is found by its new text only."""
    message_id = await bus.send("A", "Agent-1", "body text", subject="old title")
    await bus.db.connector.execute(
        "UPDATE agent_messages SET subject = 'new heading' WHERE message_id = :id",
        {"id": message_id},
    )
    assert _ids(await bus.search("new heading")) == [message_id]
    assert _ids(await bus.search("old title")) == []


async def test_the_index_follows_rows_that_come_and_go_before_and_after_indexing(bus: Bus) -> None:
    """SQLite indexes after `send` (a search or the dispatcher's upkeep catches up): a row
    deleted before it was indexed must leave the index as sound as one deleted after."""
    indexed = await bus.send("A", "Agent-1", "indexed then deleted")
    assert _ids(await bus.search("then deleted")) == [indexed]  # the search caught up
    waiting = await bus.send("A", "Agent-1", "deleted before indexing")
    kept = await bus.send("A", "Agent-1", "kept and deleted nothing")
    for message_id in (waiting, indexed):
        await bus.db.connector.execute(
            "DELETE FROM agent_messages WHERE message_id = :id", {"id": message_id}
        )
    later = await bus.send("A", "Agent-1", "sent after the deletions")
    assert set(_ids(await bus.search("deleted"))) == {kept}
    assert _ids(await bus.search("after the deletions")) == [later]
    if bus.db.connector.dialect == "sqlite":  # FTS5 checks its index against the table
        await bus.db.connector.execute(
            "INSERT INTO agent_messages_search (agent_messages_search, rank) "
            "VALUES ('integrity-check', 1)"
        )


async def test_a_message_stored_below_the_newest_indexed_id_is_indexed_too(bus: Bus) -> None:
    """`db copy --append` stores messages whose ids are older than those already indexed:
    the catch-up is not by highest id (PostgreSQL queues each stored id, SQLite goes by
    rowid), so it indexes them all the same."""
    newer = await bus.send("A", "Agent-1", "the newer message")
    assert _ids(await bus.search("newer message")) == [newer]  # indexed now
    older = ids.encode(ids.decode(newer) - (60_000 << 80))  # a minute earlier
    copied = compose(requests.envelope("A", {}), "Agent-1", "an older message copied in", 3)
    await bus.db.connector.execute(
        queries.load(bus.db.connector.dialect)["insert_message"],
        _insert_params(copied, older, older),
    )
    assert _ids(await bus.search("older message copied")) == [older]


async def test_only_the_newest_matches_are_ranked_and_the_result_says_so(bus: Bus) -> None:
    from swarmbus.storage.search import CANDIDATES

    best = await bus.send("A", "Agent-1", "alpha alpha alpha alpha, nothing else")
    for n in range(CANDIDATES):
        await bus.send("A", "Agent-2", f"plain alpha number {n} in a longer sentence of words")
    result = await bus.search("alpha", limit=5)
    assert result.ranked_among == CANDIDATES
    assert best not in _ids(result)  # older than the newest CANDIDATES matches
    ranked = await bus.search("alpha", SearchFilters(agent="Agent-1"))
    assert _ids(ranked) == [best]  # the filters come first: it is among Agent-1's newest


async def _index_state(bus: Bus, message_id: str) -> object:
    """What a write to the message's search entry would change: on PostgreSQL the entry
    row's version (xmin), on SQLite the FTS5 index's stored blocks."""
    if bus.db.connector.dialect == "postgres":
        query = "SELECT xmin::text AS v FROM agent_messages_search WHERE message_id = :id"
        return await bus.db.connector.fetch_all(query, {"id": message_id})
    return await bus.db.connector.fetch_all(
        "SELECT id, block FROM agent_messages_search_data ORDER BY id"
    )


async def test_a_delivery_leaves_the_search_index_alone(bus: Bus) -> None:
    """A claim and a settle rewrite the message's row; re-indexing its text each time cost
    PostgreSQL 3-4x the update itself (migration 0010). The index entry is written once."""
    sent = await bus.send("A", "Agent-1", "the dispatcher settles storage/claims.py outcomes")
    assert _ids(await bus.search("claims.py")) == [sent]  # SQLite: indexed by now
    before = await _index_state(bus, sent)
    lanes = {("Agent-1", 2): 1}
    claim = await bus.db.claims.claim(lanes, limit=1, lease_seconds=30, claimed_by="me")
    assert [m.message_id for m in claim.messages] == [sent]
    assert await bus.db.claims.settle([Outcome(sent, claim.token)]) == ["delivered"]
    assert before
    assert await _index_state(bus, sent) == before
    assert _ids(await bus.search("claims.py", SearchFilters(status="delivered"))) == [sent]


async def test_a_dispatchers_upkeep_indexes_and_merges_new_messages(bus: Bus) -> None:
    """The upkeep indexes what sends stored, then merges: PostgreSQL's GIN indexes take
    new entries into a pending list, which every search reads whole. SQLite has nothing
    to merge."""
    for n in range(50):
        await bus.send("A", "Agent-1", f"report {n} on storage/claims.py and PR-{n}")
    repository = SearchRepository(bus.db.connector)
    assert await repository.waiting()  # a send does not index
    async with anyio.create_task_group() as upkeep:
        upkeep.start_soon(keep_index_current, bus.db.connector, 0.01)
        await anyio.sleep(0.2)
        upkeep.cancel_scope.cancel()
    assert not await repository.waiting()
    assert (await repository.index_size())["documents"] == 50
    assert await repository.merge_pending() == 0  # nothing was left for this one
    await bus.send("A", "Agent-1", "one more about storage/claims.py")
    assert await repository.catch_up() == 1
    pending = await repository.merge_pending()
    assert pending == (1 if bus.db.connector.dialect == "postgres" else 0)
    assert len(_ids(await bus.search("storage/claims.py", limit=100))) == 51
