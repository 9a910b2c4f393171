"""Full-text search over `agent_messages`: the SQL and the escaping of the user's text.

The user's text is always one literal phrase, never query syntax, and it is
escaped in one place, the SQL of each dialect: for SQLite it becomes one
quoted FTS5 phrase (double quotes doubled), which under the trigram tokenizer
is a case-insensitive substring match; for PostgreSQL, and for the scan of
text too short for the trigram index, a LIKE pattern with `%`, `_` and `\\`
escaped. Quotes, `*`, `-`, `NEAR`, parentheses and SQL are searched as the
characters they are. The text itself is a bound parameter, never formatted
into a statement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import anyio

from swarmbus import errors
from swarmbus.model import timefmt
from swarmbus.model.conversations import SearchFilters
from swarmbus.model.messages import Message
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector

MARK_OPEN = "\ue000"  # private-use characters around a hit in a snippet
MARK_CLOSE = "\ue001"
INDEX_MIN_CHARS = 3  # a trigram index holds nothing shorter
CANDIDATES = 200  # the newest matches a search ranks
SCAN_WINDOW = 5_000  # the newest messages a short text is looked for in (and, on PostgreSQL,
# where a search first looks for its candidates)
CATCH_UP_BATCH = 500  # messages indexed per transaction (SQLite): a short hold on the write lock
MERGE_EVERY = 1.0  # seconds between a PostgreSQL dispatcher's merges of new index entries
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Found:
    """One row found: the message, its score (higher is better), the database's snippet."""

    message: Message
    score: float
    snippet: str | None


class SearchRepository:
    """Runs searches: through the index, or as a bounded literal scan."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def search(self, text: str, filters: SearchFilters, limit: int) -> list[Found]:
        """Messages whose subject or body contains `text`, best match first."""
        params = {**_params(filters, limit), "query": text, "candidates": CANDIDATES}
        params.update(window=SCAN_WINDOW)
        params.update(open=MARK_OPEN, close=MARK_CLOSE)
        rows = await self._db.fetch_all(self._q["search_messages"], params)
        return [_found(row, self._db.dialect) for row in rows]

    async def scan(self, text: str, filters: SearchFilters, limit: int) -> list[Found]:
        """Messages among the latest `SCAN_WINDOW` that contain `text`, newest first."""
        params = {**_params(filters, limit), "query": text, "window": SCAN_WINDOW}
        rows = await self._db.fetch_all(self._q["scan_messages"], params)
        return [_found(row, self._db.dialect) for row in rows]

    async def catch_up(self, batch: int = CATCH_UP_BATCH) -> int:
        """Index every message stored since the index last caught up, a batch per
        transaction; return how many. Neither dialect indexes at `send` (indexing cost
        more than storing): SQLite finds the new rows by rowid, PostgreSQL queues their
        ids (migration 0013). Each batch is one `atomic` write, not brief: on SQLite one
        hop to the connection's thread, so the write lock is not held across turns of
        the event loop (a dispatcher's claims waited 2 to 9 ms behind the three hops of
        BEGIN, INSERT and COMMIT), and the loop is not held by the indexing."""
        total, params = 0, {"batch": batch}
        while True:
            if not await self.waiting():  # read first: no write lock when nothing waits
                return total
            indexed = await self._db.atomic(
                lambda tx: tx.execute(self._q["index_backlog"], params), brief=False
            )
            total += indexed
            if indexed < batch:
                return total

    async def merge_pending(self) -> int:
        """Move new entries into the index proper (PostgreSQL's GIN pending lists); return
        how many pages of them there were."""
        row = await self._db.fetch_one(self._q["merge_search_pending"])
        return int(row["merged"] or 0) if row else 0

    async def waiting(self) -> bool:
        """Whether stored messages wait to be indexed."""
        row = await self._db.fetch_one(self._q["search_backlog"])
        return bool(row and row["waiting"])

    async def index_size(self) -> dict[str, int]:
        """{"documents": rows indexed, "bytes": the index's size}."""
        row = await self._db.fetch_one(self._q["search_index_size"]) or {}
        return {"documents": int(row.get("documents") or 0), "bytes": int(row.get("bytes") or 0)}


def _params(filters: SearchFilters, limit: int) -> dict[str, Any]:
    return {
        "agent": filters.agent,
        "from_agent": filters.from_agent,
        "since": timefmt.to_text(filters.since) if filters.since else None,
        "thread_id": filters.thread_id,
        "status": filters.status,
        "limit": limit,
    }


def _found(row: dict[str, Any], dialect: str) -> Found:
    raw = float(row.get("score") or 0.0)
    score = -raw if dialect == "sqlite" else raw  # bm25: lower is better
    return Found(Message.model_validate(row), round(score, 6) + 0.0, row.get("snippet"))


async def keep_index_current(connector: Connector, every: float = MERGE_EVERY) -> None:
    """Every `every` seconds, `catch_up` then `merge_pending`, until cancelled (a
    PostgreSQL dispatcher's upkeep). A failure waits for the next round: a search
    catches up before it looks, so results stay right, only slower."""
    repository = SearchRepository(connector)
    while True:
        try:
            await repository.catch_up()
            await repository.merge_pending()
        except errors.StorageError as exc:
            logger.debug("indexing the search text of %s failed: %s", connector.location, exc)
        await anyio.sleep(every)
