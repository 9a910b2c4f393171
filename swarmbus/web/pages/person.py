"""For you: what the swarm sent the person at this dashboard, newest first, in pages.

The person has two names here: `person` (the CLI's default sender) and the
one the dashboard records for them (`web:<user or host>`). Listed are the
messages addressed to either, and every reply to a message either wrote, even
one an agent addressed to someone else in the thread. Looking marks nothing
read: a message's read receipt belongs to its recipient.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from swarmbus import errors
from swarmbus.model import timefmt
from swarmbus.web.access import requester
from swarmbus.web.context import Refused, WebContext, page, web
from swarmbus.web.stream import LiveView

PAGE_SIZE = 50
PERSON = "person"  # the CLI's name for the person at the desk


async def load(context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
    """One page of the person's messages, and where the next (older) page starts."""
    me = chosen.get("me") or PERSON
    try:
        found = await context.bus.for_person(
            PERSON, me, before=chosen.get("before") or None, limit=PAGE_SIZE + 1
        )
    except errors.UsageError as exc:
        raise Refused(400, str(exc)) from None
    older = found[PAGE_SIZE - 1].message_id if len(found) > PAGE_SIZE else None
    return {
        "messages": found[:PAGE_SIZE],
        "older": older,
        "names": (PERSON, me),
        "before": chosen.get("before", ""),
        "now": timefmt.utcnow(),
    }


VIEW = LiveView("person", "live/person.html", load, ("me", "before"))


async def for_you(request: Request) -> HTMLResponse:
    context = web(request)
    chosen = {"me": requester(request.client.host if request.client else None)}
    if request.query_params.get("before"):
        chosen["before"] = request.query_params["before"]
    return page(request, "person.html", await VIEW.first_draw(context, chosen))
