"""One message: its exact body, its delivery history, its read and ack state, its whole
thread (each message's delivery, read and ack state, this one marked), a reply form,
and Retry for a dead letter.

Showing a message never records a read receipt: only its recipient opening it
through a face does (`swarmbus read`), and the dashboard is nobody's inbox. A
reply is sent as `web:<user or host>` and routed by the bus's rules (to the
sender of the message answered, or to its recipient when the person wrote it);
a hidden idempotency key makes a re-sent form one reply, not two.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse

from swarmbus import errors
from swarmbus.bus.conversations import recipients
from swarmbus.model import timefmt
from swarmbus.web.access import requester
from swarmbus.web.context import WebContext, page, web
from swarmbus.web.forms import read_form, text
from swarmbus.web.stream import LiveView

NOTICES = {
    "sent": "Stored: it is delivered as soon as a dispatcher takes it.",
    "replied": "Your reply is stored in this thread; it is delivered as soon as a dispatcher "
    "takes it.",
}


async def load(context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
    """The message and its thread (an unknown id is `UnknownMessage`: the 404 page)."""
    message = await context.bus.get(chosen.get("id", ""))
    thread = await context.bus.thread(message.message_id)  # reads only: marks nothing read
    return {"message": message, "thread": thread, "now": timefmt.utcnow()}


VIEW = LiveView("message", "live/message.html", load, ("id",))


async def message_page(
    request: Request,
    problems: Mapping[str, str] | None = None,
    status: int = 200,
    reply: Mapping[str, str] | None = None,
) -> HTMLResponse:
    context = web(request)
    chosen = {"id": request.path_params["message_id"]}
    values = await load(context, chosen)
    message = values["message"]
    chosen["id"] = message.message_id
    sender = _sender(request)
    form = dict(reply or {"body": "", "key": secrets.token_urlsafe(16)})
    extra = {
        "live": VIEW.url(chosen, context.hub.generation),
        "notice": NOTICES.get(request.query_params.get("done", "")),
        "problems": dict(problems or {}),
        "reply": form,
        "sender": sender,
        "reply_to": recipients(message, sender, set(), None)[0],
        "max_bytes": context.bus.settings.max_message_bytes,
    }
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
    try:
        requeued = await context.bus.retry(message_id, by=_sender(request))
    except errors.UnknownMessage:
        raise
    except errors.UsageError as exc:
        return await message_page(request, {"retry": str(exc)}, 409)
    return RedirectResponse(f"/messages/{requeued.message_id}", 303)


async def reply(request: Request) -> HTMLResponse | RedirectResponse:
    """Store a reply in this message's thread, or show the page again with the bus's line
    next to the reply's text (nothing stored)."""
    form = await read_form(request)
    context = web(request)
    fields = {"body": text(form, "body"), "key": text(form, "key")}
    message_id = request.path_params["message_id"]
    await context.bus.get(message_id)  # an unknown id is the 404 page, whatever the form holds
    try:
        stored = await context.bus.reply(
            message_id, _sender(request), fields["body"], idempotency_key=fields["key"] or None
        )
    except errors.UnknownMessage:
        raise
    except errors.IdempotencyConflict:
        line = "this form was sent already; reload the page to send another reply"
        return await message_page(request, {"reply": line}, 422, fields)
    except errors.UsageError as exc:
        return await message_page(request, {"reply": str(exc)}, 422, fields)
    first = next(iter(stored.message_ids.values()))
    return RedirectResponse(f"/messages/{first}?done=replied", 303)


def _sender(request: Request) -> str:
    return requester(request.client.host if request.client else None)
