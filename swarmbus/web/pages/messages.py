"""The messages: a full-text search box and filters (agent, status, since, one broadcast),
newest first in pages; a search lists its hits best first, each with a snippet.

Each filter is checked by the rule the CLI applies to the same option, and a
bad one is its one line next to the field (422). The search is `Bus.search`,
the one `swarmbus search` runs: the text is one literal phrase, and a search
that fails says so next to the box, never as "nothing found". A search has no
position to page on, so its (at most 100) hits come in pages by number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from swarmbus import errors
from swarmbus.bus import requests
from swarmbus.bus.search import MAX_HITS
from swarmbus.durations import parse_since
from swarmbus.model import ids, timefmt
from swarmbus.model.conversations import SearchFilters
from swarmbus.model.messages import DELIVERY_STATUSES
from swarmbus.web.context import WebContext, page, web
from swarmbus.web.forms import FieldProblems
from swarmbus.web.stream import LiveView

PAGE_SIZE = 50
SEARCH_PAGES = MAX_HITS // PAGE_SIZE  # the hits one search returns, in pages
FILTERS = ("q", "agent", "status", "since", "broadcast", "before", "page")


def _checked(context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
    """The filters as the bus takes them, or `FieldProblems` naming each bad one."""
    problems: dict[str, str] = {}
    found: dict[str, Any] = {}
    checks = {
        "agent": lambda v: context.bus.agent(v).name,
        "status": lambda v: requests.check_status(v) or v,
        "since": parse_since,
        "broadcast": _broadcast_id,
        "before": requests.check_position,
        "page": _page_number,
    }
    for name, check in checks.items():
        value = chosen.get(name)
        if value:
            try:
                found[name] = check(value)
            except errors.UsageError as exc:
                problems[name] = str(exc)
    if chosen.get("q") and chosen.get("broadcast"):
        problems["broadcast"] = "a search is not narrowed to one broadcast; clear one of them"
    if problems:
        raise FieldProblems(problems)
    return found


def _broadcast_id(value: str) -> str:
    normalized = value.strip().upper()
    if not ids.is_valid(normalized):
        raise errors.UsageError(
            f"broadcast {value!r} is not allowed; use a broadcast id (26 letters and digits)"
        )
    return normalized


def _page_number(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= SEARCH_PAGES:
        raise errors.UsageError(
            f"page {value!r} is not allowed; a search shows at most {MAX_HITS} hits, "
            f"pages 1 to {SEARCH_PAGES}"
        )
    return int(value)


async def load(context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
    """One page of messages (or of search hits) for the filters, and whether more follow."""
    found = _checked(context, chosen)
    shown: dict[str, Any] = {"filters": dict(chosen), "now": timefmt.utcnow(), "search": None}
    if chosen.get("q"):
        return {**shown, **await _search(context, chosen["q"], found)}
    listed = await context.bus.messages(
        agent=found.get("agent"),
        status=found.get("status"),
        since=found.get("since"),
        broadcast_id=found.get("broadcast"),
        before=found.get("before"),
        limit=PAGE_SIZE + 1,
    )
    older = listed[PAGE_SIZE - 1].message_id if len(listed) > PAGE_SIZE else None
    return {**shown, "messages": listed[:PAGE_SIZE], "older": older}


async def _search(context: WebContext, query: str, found: Mapping[str, Any]) -> dict[str, Any]:
    """One page of the hits of `swarmbus search QUERY --agent … --status … --since …`."""
    number = found.get("page", 1)
    filters = SearchFilters(
        agent=found.get("agent"), since=found.get("since"), status=found.get("status")
    )
    limit = min(MAX_HITS, number * PAGE_SIZE + 1)
    try:
        result = await context.bus.search(query, filters, limit)
    except (errors.InvalidSearch, errors.SearchFailed) as exc:
        raise FieldProblems({"q": str(exc)}) from None
    hits = result.hits[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    more = len(result.hits) > number * PAGE_SIZE
    return {"search": result, "hits": hits, "page": number, "more": more, "messages": []}


VIEW = LiveView("messages", "live/messages.html", load, FILTERS)


async def messages(request: Request) -> HTMLResponse:
    context = web(request)
    chosen = VIEW.chosen(request.query_params)
    form = {
        "agents": list(context.bus.configured),
        "statuses": DELIVERY_STATUSES,
        "filters": chosen,
    }
    try:
        values = await VIEW.first_draw(context, chosen)
    except FieldProblems as bad:
        return page(request, "messages.html", {**form, "problems": bad.problems}, 422)
    return page(request, "messages.html", {**form, **values, "problems": {}})
