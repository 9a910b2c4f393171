"""File reservations: who holds which paths of which project (exclusive or shared, why,
until when), the latest releases (a force release says who and why), and a force
release behind a confirmation step.

A force release is `swarmbus force-release` from the page: the reason is checked
by the CLI's rule and words, the row records `web:<user or host>` and the reason,
and the holder gets a message saying so. A refused release stores nothing. (A
refused `reserve` stores nothing either, so conflicts are not listed here: the
agent that asked got them back.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from swarmbus import errors
from swarmbus.bus import reservation_rules as rules
from swarmbus.model import timefmt
from swarmbus.model.reservations import Reservation
from swarmbus.web.access import requester
from swarmbus.web.context import Refused, WebContext, page, web
from swarmbus.web.forms import read_form, text
from swarmbus.web.stream import LiveView

RELEASED_SHOWN = 20  # latest releases listed
NOTICES = {"released": "Released; its holder was sent a message saying who and why."}
EMPTY_REASON = "--reason is empty; say why the holder loses the reservation"  # the CLI's line


async def load(context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
    """Live reservations (expiring soonest first) and the latest releases."""
    return {
        "holding": await context.bus.reservations(),
        "released": await context.bus.released_reservations(RELEASED_SHOWN),
        "now": timefmt.utcnow(),
    }


VIEW = LiveView("reservations", "live/reservations.html", load)


async def reservations(request: Request) -> HTMLResponse:
    values = await VIEW.first_draw(web(request), {})
    notice = NOTICES.get(request.query_params.get("done", ""))
    return page(request, "reservations.html", {**values, "notice": notice})


async def _live_one(context: WebContext, reservation_id: str) -> Reservation:
    """The live reservation with this id; 404 when none is (unknown, released or expired)."""
    wanted = reservation_id.strip().upper()
    for held in await context.bus.reservations():
        if held.reservation_id == wanted:
            return held
    raise Refused(404, f"no live reservation has id {reservation_id!r}; see the reservations page")


async def confirm(
    request: Request, problem: str | None = None, status: int = 200, reason: str = ""
) -> HTMLResponse:
    """The confirmation step: what would be released, from whom, and a reason to give."""
    context = web(request)
    held = await _live_one(context, request.path_params["reservation_id"])
    values = {
        "held": held,
        "problem": problem,
        "reason": reason,
        "sender": _sender(request),
        "now": timefmt.utcnow(),
    }
    return page(request, "release.html", values, status)


async def force_release(request: Request) -> HTMLResponse | RedirectResponse:
    """Release the reservation for the reason given, as `web:<user or host>`."""
    form = await read_form(request)
    context = web(request)
    reason = text(form, "reason")
    held = await _live_one(context, request.path_params["reservation_id"])
    try:
        if not rules.check_reason(reason, "--reason"):
            raise errors.UsageError(EMPTY_REASON)
        await context.bus.force_release(held.reservation_id, reason, by=_sender(request))
    except errors.UsageError as exc:
        status = 409 if "no longer live" in str(exc) else 422
        return await _refused(request, str(exc), status, reason)
    return RedirectResponse("/reservations?done=released", 303)


async def _refused(request: Request, line: str, status: int, reason: str) -> HTMLResponse:
    try:
        return await confirm(request, line, status, reason)
    except Refused:  # it ended meanwhile: nothing left to confirm
        raise Refused(409, line) from None


def _sender(request: Request) -> str:
    return requester(request.client.host if request.client else None)
