"""One message: its exact body, its delivery history, and Retry for a dead letter.

(A thread panel and the read/ack state join this page once the bus keeps
conversations.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse

from swarmbus import errors
from swarmbus.model import timefmt
from swarmbus.web.access import requester
from swarmbus.web.context import WebContext, page, web
from swarmbus.web.forms import read_form
from swarmbus.web.stream import LiveView

NOTICES = {"sent": "Stored: it is delivered as soon as a dispatcher takes it."}


async def load(context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
    """The message (an unknown id is `UnknownMessage`: the 404 page)."""
    return {"message": await context.bus.get(chosen.get("id", "")), "now": timefmt.utcnow()}


VIEW = LiveView("message", "live/message.html", load, ("id",))


async def message_page(
    request: Request, problem: str | None = None, status: int = 200
) -> HTMLResponse:
    context = web(request)
    chosen = {"id": request.path_params["message_id"]}
    values = await load(context, chosen)
    chosen["id"] = values["message"].message_id
    notice = NOTICES.get(request.query_params.get("done", ""))
    live = VIEW.url(chosen, context.hub.generation)
    extra = {"live": live, "notice": notice, "retry_problem": problem}
    return page(request, "message.html", {**values, **extra}, status)


async def body(request: Request) -> PlainTextResponse:
    """The exact body as sent, as a text file (control characters and all)."""
    message = await web(request).bus.get(request.path_params["message_id"])
    disposition = f'attachment; filename="{message.message_id}.txt"'
    return PlainTextResponse(message.content, headers={"content-disposition": disposition})


async def retry(request: Request) -> HTMLResponse | RedirectResponse:
    """Requeue a dead letter, noting the person who asked (`web:<user or host>`)."""
    await read_form(request)
    context = web(request)
    message_id = request.path_params["message_id"]
    by = requester(request.client.host if request.client else None)
    try:
        requeued = await context.bus.retry(message_id, by=by)
    except errors.UnknownMessage:
        raise
    except errors.UsageError as exc:
        return await message_page(request, str(exc), 409)
    return RedirectResponse(f"/messages/{requeued.message_id}", 303)
