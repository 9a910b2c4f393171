"""Search: what a user may ask, how it runs, and the snippet shown for each hit.

The text is one plain phrase, matched literally and case-insensitively in the
subject or the body: quotes, `*`, `-`, `NEAR`, parentheses and SQL-looking
text are searched as the characters they are (storage escapes them). Text of
three characters or more goes through the full-text index, and the newest
`CANDIDATES` matches are ranked (best first); shorter text (a lone emoji,
`PR`) cannot be held by a trigram index, so it is a literal scan of the
latest `SCAN_WINDOW` messages, newest first. The result says which.
A search that fails raises `SearchFailed`: an error never looks like "nothing
found".
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from swarmbus import errors
from swarmbus.bus import requests
from swarmbus.model import ids
from swarmbus.model.conversations import SearchFilters, SearchHit, SearchResult, Span
from swarmbus.model.messages import Message
from swarmbus.storage.search import (
    CANDIDATES,
    INDEX_MIN_CHARS,
    MARK_CLOSE,
    MARK_OPEN,
    SCAN_WINDOW,
    Found,
    SearchRepository,
)

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus

MAX_QUERY_CHARS = 500  # a longer "phrase" is a pasted document, not a search
MAX_HITS = 100  # hits one search returns at most
SNIPPET_CONTEXT = 60  # characters either side of a hit, when the database gave no snippet


async def search(bus: Bus, query: str, filters: SearchFilters, limit: int = 20) -> SearchResult:
    """Run a checked search; best match first (newest first for a scan)."""
    text = check_query(query)
    check_filters(bus, filters, limit)
    if filters.thread_id is not None:
        filters = replace(filters, thread_id=filters.thread_id.strip().upper())
    scan = len(text) < INDEX_MIN_CHARS
    rows = SearchRepository(bus.db.connector)
    try:
        await rows.catch_up()  # every message stored so far is searched
        if scan:
            found = await rows.scan(text, filters, limit)
        else:
            found = await rows.search(text, filters, limit)
    except errors.StorageError as exc:
        raise errors.SearchFailed(f"search for {requests.shown(text)} failed: {exc}") from exc
    return SearchResult(
        query=text,
        method="scan" if scan else "index",
        hits=[_hit(f, text) for f in found],
        scanned=SCAN_WINDOW if scan else None,
        ranked_among=None if scan else CANDIDATES,
    )


def check_query(query: str) -> str:
    """The phrase to look for: non-empty, at most `MAX_QUERY_CHARS`, text a database holds."""
    text = query.strip() if isinstance(query, str) else ""
    if not text:
        raise errors.InvalidSearch("search query is empty; give a word or phrase to look for")
    if len(text) > MAX_QUERY_CHARS:
        raise errors.InvalidSearch(
            f"search query is {len(text):,} characters; at most {MAX_QUERY_CHARS} are allowed"
        )
    if "\x00" in text:
        raise errors.InvalidSearch(f"search query {requests.shown(text)} contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.InvalidSearch(
            f"search query {requests.shown(text)} is not valid UTF-8 text"
        ) from None
    return text


def check_filters(bus: Bus, filters: SearchFilters, limit: int) -> None:
    """Refuse a filter that can match nothing by mistake (a typo in a name or an id)."""
    if not 1 <= limit <= MAX_HITS:
        raise errors.InvalidSearch(f"limit {limit} is not allowed; use 1 to {MAX_HITS}")
    if filters.agent is not None:
        bus.check_sender(filters.agent, label="agent")
    if filters.from_agent is not None:
        bus.check_sender(filters.from_agent, label="from")
    if filters.thread_id is not None and not ids.is_valid(filters.thread_id.strip().upper()):
        raise errors.InvalidSearch(
            f"thread {requests.shown(filters.thread_id)} is not a message id "
            f"(26 characters, as 'swarmbus messages' shows them)"
        )
    requests.check_status(filters.status)


def _hit(found: Found, text: str) -> SearchHit:
    snippet, spans = snippet_of(found, text)
    return SearchHit(message=found.message, score=found.score, snippet=snippet, highlights=spans)


def snippet_of(found: Found, text: str) -> tuple[str, list[Span]]:
    """The database's snippet (SQLite's snippet(), PostgreSQL's ts_headline) on one line, with
    every literal occurrence of `text` in it highlighted, as the match itself is literal; a
    snippet without the text in it (ts_headline finds words, not paths or emoji) is cut
    around the first hit here instead."""
    raw = found.snippet or ""
    flat = " ".join(raw.replace(MARK_OPEN, "").replace(MARK_CLOSE, "").split())
    spans = _occurrences(flat, text)
    return (flat, spans) if spans else around(found.message, text)


def _occurrences(flat: str, text: str) -> list[Span]:
    pattern = re.compile(re.escape(" ".join(text.split())), re.IGNORECASE)
    return [Span(start=m.start(), end=m.end()) for m in pattern.finditer(flat)]


def around(message: Message, text: str) -> tuple[str, list[Span]]:
    """A snippet cut around the first literal hit in the body (or the subject)."""
    pattern = re.compile(re.escape(" ".join(text.split())), re.IGNORECASE)
    for source in (message.content, message.subject or ""):
        flat = " ".join(source.split())
        hit = pattern.search(flat)
        if hit is None:
            continue
        begin = max(0, hit.start() - SNIPPET_CONTEXT)
        end = min(len(flat), hit.end() + SNIPPET_CONTEXT)
        lead = "…" if begin else ""
        snippet = lead + flat[begin:end] + ("…" if end < len(flat) else "")
        offset = len(lead) - begin
        return snippet, [Span(start=hit.start() + offset, end=hit.end() + offset)]
    flat = " ".join(message.content.split())
    return flat[: 2 * SNIPPET_CONTEXT] + ("…" if len(flat) > 2 * SNIPPET_CONTEXT else ""), []
