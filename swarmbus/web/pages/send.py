"""The send form: a recipient (the configured agents autocomplete), a priority, tags, an
expiry, a subject, an acknowledgement asked for (by a deadline, if given) and the body.

Each field is checked by the rule the CLI applies to the same option, and a
bad one shows the CLI's line next to it; nothing is stored unless every field
is good. The message is sent as `web:<user or host>`. A hidden idempotency key
makes a double-clicked or re-sent form one message, not two.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from swarmbus import errors
from swarmbus.bus import requests
from swarmbus.durations import parse_duration
from swarmbus.model.messages import PRIORITIES
from swarmbus.web.access import requester
from swarmbus.web.context import WebContext, page, web
from swarmbus.web.forms import read_form, text

FIELDS = ("to", "priority", "tags", "expires_in", "subject", "ack_required", "ack_within")
FIELDS += ("body", "key")
_TAG_SEPARATORS = re.compile(r"[,\s]+")


def _form_values(context: WebContext, fields: dict[str, str], sender: str) -> dict[str, Any]:
    return {
        "sender": sender,
        "agents": list(context.bus.configured),
        "priorities": PRIORITIES,
        "fields": fields,
        "max_bytes": context.bus.settings.max_message_bytes,
    }


async def send_form(request: Request) -> HTMLResponse:
    context = web(request)
    fields = {"to": request.query_params.get("to", ""), "priority": "normal"}
    fields["key"] = secrets.token_urlsafe(16)
    sender = requester(request.client.host if request.client else None)
    return page(request, "send.html", {**_form_values(context, fields, sender), "problems": {}})


def _options(context: WebContext, sender: str, fields: dict[str, str]) -> tuple[dict, dict]:
    """The send options, and the problems of the fields (the CLI's words)."""
    problems: dict[str, str] = {}
    options: dict[str, Any] = {"idempotency_key": fields["key"] or None}
    tags = [tag for tag in _TAG_SEPARATORS.split(fields["tags"]) if tag]
    checks = {
        "to": lambda: context.bus.agent(fields["to"]),
        "priority": lambda: requests.envelope(sender, {"priority": fields["priority"]}),
        "tags": lambda: requests.envelope(sender, {"tags": tags}),
        "body": lambda: requests.check_content(
            fields["body"], context.bus.settings.max_message_bytes
        ),
        "expires_in": lambda: _expiry(fields["expires_in"]),
    }
    for name, check in checks.items():
        try:
            result = check()
        except errors.UsageError as exc:
            problems[name] = str(exc)
            continue
        if name == "expires_in":
            options["expires_in"] = result
    options.update(priority=fields["priority"], tags=tags)
    conversation, more = _conversation(sender, fields)
    return {**options, **conversation}, {**problems, **more}


def _conversation(sender: str, fields: dict[str, str]) -> tuple[dict, dict]:
    """The subject and the acknowledgement asked for, checked as `swarmbus send` checks
    `--subject`, `--ack-required` and `--ack-within`."""
    options: dict[str, Any] = {}
    problems: dict[str, str] = {}
    if fields["subject"].strip():
        try:
            requests.envelope(sender, {"subject": fields["subject"]})
            options["subject"] = fields["subject"]
        except errors.UsageError as exc:
            problems["subject"] = str(exc)
    if fields["ack_required"]:
        options["ack_required"] = True
    if fields["ack_within"].strip():
        try:
            options["ack_within"] = _ack_deadline(fields["ack_within"])
        except errors.UsageError as exc:
            problems["ack_within"] = str(exc)
    return options, problems


def _ack_deadline(value: str) -> float:
    shortest = timedelta(seconds=requests.MIN_ACK_SECONDS)
    longest = timedelta(seconds=requests.MAX_ACK_SECONDS)
    due = parse_duration(value, what="--ack-within", minimum=shortest, maximum=longest)
    return due.total_seconds()


def _expiry(value: str) -> float | None:
    if not value.strip():
        return None
    longest = timedelta(seconds=requests.MAX_EXPIRY_SECONDS)
    return parse_duration(value, what="--expires-in", maximum=longest).total_seconds()


async def send(request: Request) -> HTMLResponse | RedirectResponse:
    """Store the message, or show the form again with each bad field's line."""
    form = await read_form(request)
    context = web(request)
    fields = {name: text(form, name) for name in FIELDS}
    sender = requester(request.client.host if request.client else None)
    options, problems = _options(context, sender, fields)
    if not problems:
        try:
            message_id = await context.bus.send(sender, fields["to"], fields["body"], **options)
        except errors.IdempotencyConflict:
            problems["body"] = "this form was sent already; reload the page to send another message"
        except errors.UsageError as exc:  # a field no person types (a mangled hidden key)
            problems["form"] = str(exc)
        else:
            return RedirectResponse(f"/messages/{message_id}?done=sent", 303)
    values = {**_form_values(context, fields, sender), "problems": problems}
    return page(request, "send.html", values, 422)
