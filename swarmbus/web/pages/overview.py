"""The overview: every agent and its queue, the totals, dead letters, each system's
heartbeat, and GUI delivery paused by the fail-safe (with its Resume button)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from swarmbus.bus.operations import paused_screens
from swarmbus.model import timefmt
from swarmbus.web.context import WebContext, page, web
from swarmbus.web.forms import read_form
from swarmbus.web.stream import LiveView

DEAD_LETTERS_SHOWN = 10
NOTICES = {
    "resumed": "GUI delivery resumed; the dispatchers were woken.",
    "not-paused": "GUI delivery was not paused.",
}


async def load(context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
    """The status report, the newest dead letters and the paused screens."""
    return {
        "report": await context.bus.status(),
        "dead": await context.bus.messages(status="failed", limit=DEAD_LETTERS_SHOWN),
        "pauses": paused_screens(),
        "now": timefmt.utcnow(),
    }


VIEW = LiveView("overview", "live/overview.html", load)


async def overview(request: Request) -> HTMLResponse:
    values = await VIEW.first_draw(web(request), {})
    notice = NOTICES.get(request.query_params.get("done", ""))
    return page(request, "overview.html", {**values, "notice": notice})


async def resume(request: Request) -> RedirectResponse:
    """Clear the fail-safe's pauses on this machine and wake the dispatchers."""
    await read_form(request)
    resumed = await web(request).operations.resume()
    return RedirectResponse("/?done=" + ("resumed" if resumed.cleared else "not-paused"), 303)
