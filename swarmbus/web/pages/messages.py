"""The messages: filters (agent, status, since, one broadcast), newest first, in pages.

Each filter is checked by the rule the CLI applies to the same option, and a
bad one is its one line next to the field (422). (A search box joins the
filters once the bus searches message text.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from swarmbus import errors
from swarmbus.bus import requests
from swarmbus.durations import parse_since
from swarmbus.model import ids, timefmt
from swarmbus.model.messages import DELIVERY_STATUSES
from swarmbus.web.context import WebContext, page, web
from swarmbus.web.forms import FieldProblems
from swarmbus.web.stream import LiveView

PAGE_SIZE = 50
FILTERS = ("agent", "status", "since", "broadcast", "before")


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
    }
    for name, check in checks.items():
        value = chosen.get(name)
        if value:
            try:
                found[name] = check(value)
            except errors.UsageError as exc:
                problems[name] = str(exc)
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


async def load(context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
    """One page of messages for the filters, and where the next (older) page starts."""
    found = _checked(context, chosen)
    listed = await context.bus.messages(
        agent=found.get("agent"),
        status=found.get("status"),
        since=found.get("since"),
        broadcast_id=found.get("broadcast"),
        before=found.get("before"),
        limit=PAGE_SIZE + 1,
    )
    shown = listed[:PAGE_SIZE]
    older = shown[-1].message_id if len(listed) > PAGE_SIZE else None
    return {"messages": shown, "older": older, "filters": dict(chosen), "now": timefmt.utcnow()}


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
        values = await load(context, chosen)
    except FieldProblems as bad:
        return page(request, "messages.html", {**form, "problems": bad.problems}, 422)
    live = VIEW.url(chosen, context.hub.generation)
    return page(request, "messages.html", {**form, **values, "problems": {}, "live": live})
