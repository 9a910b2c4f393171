"""The commands' arguments, validated at the edge with pydantic.

Discord's client enforces option lengths, ranges and choices, but discord.py
does not: a crafted request (or an outdated command registration) can pass
anything. Each command therefore parses its options into one of these models;
a refusal is one line naming the value and what is allowed.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from swarmbus import errors
from swarmbus.discord_bot.text import clip
from swarmbus.model.messages import DELIVERY_STATUSES, PRIORITIES, DeliveryStatus, Priority

MESSAGE_MAX_CHARS = 4000  # characters in a /send or /broadcast body (Discord allows 6000)
AGENT_MAX_CHARS = 32  # the config's agent-name rule
MESSAGE_ID_MAX_CHARS = 32  # ids are 26 characters; a little slack for pasted spaces
MESSAGES_MAX = 25  # the most /messages lists
MESSAGES_DEFAULT = 10  # what /messages lists without a limit
QUERY_MAX_CHARS = 500  # the bus's bound on a search query
TO_MAX_CHARS = 400  # a few names, comma-separated
SEARCH_MAX = 10  # the most /search shows
SEARCH_DEFAULT = 5

Model = TypeVar("Model", bound=BaseModel)
_RULES = {
    "agent": f"1-{AGENT_MAX_CHARS} characters",
    "message": f"1-{MESSAGE_MAX_CHARS:,} characters",
    "message_id": f"a message id of at most {MESSAGE_ID_MAX_CHARS} characters",
    "priority": ", ".join(PRIORITIES),
    "status": ", ".join(DELIVERY_STATUSES),
    "limit": f"1-{MESSAGES_MAX}",
    "query": f"1-{QUERY_MAX_CHARS} characters",
    "to": f"names separated by commas, at most {TO_MAX_CHARS} characters",
    "hits": f"1-{SEARCH_MAX}",
}


class _Arguments(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class SendArguments(_Arguments):
    agent: Annotated[str, Field(min_length=1, max_length=AGENT_MAX_CHARS)]
    message: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX_CHARS)]
    priority: Priority = "normal"


class BroadcastArguments(_Arguments):
    message: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX_CHARS)]
    priority: Priority = "normal"


class RetryArguments(_Arguments):
    message_id: Annotated[str, Field(min_length=1, max_length=MESSAGE_ID_MAX_CHARS)]


class MessagesArguments(_Arguments):
    agent: Annotated[str, Field(min_length=1, max_length=AGENT_MAX_CHARS)] | None = None
    status: DeliveryStatus | None = None
    limit: Annotated[int, Field(ge=1, le=MESSAGES_MAX)] = MESSAGES_DEFAULT


class ReplyArguments(_Arguments):
    message_id: Annotated[str, Field(min_length=1, max_length=MESSAGE_ID_MAX_CHARS)]
    message: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX_CHARS)]
    to: Annotated[str, Field(min_length=1, max_length=TO_MAX_CHARS)] | None = None

    @property
    def recipients(self) -> list[str] | None:
        """`to` as names (None: the reply goes to the other end of the message answered)."""
        names = [name.strip() for name in (self.to or "").split(",") if name.strip()]
        return names or None


class ThreadArguments(_Arguments):
    message_id: Annotated[str, Field(min_length=1, max_length=MESSAGE_ID_MAX_CHARS)]


class SearchArguments(_Arguments):
    query: Annotated[str, Field(min_length=1, max_length=QUERY_MAX_CHARS)]
    agent: Annotated[str, Field(min_length=1, max_length=AGENT_MAX_CHARS)] | None = None
    hits: Annotated[int, Field(ge=1, le=SEARCH_MAX)] = SEARCH_DEFAULT


class ReservationsArguments(_Arguments):
    agent: Annotated[str, Field(min_length=1, max_length=AGENT_MAX_CHARS)] | None = None


def parse(model: type[Model], **values: Any) -> Model:
    """Validate a command's options, or raise `UsageError` with one line."""
    try:
        return model(**values)
    except ValidationError as exc:
        raise errors.UsageError(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """The first problem as `<option> <value> is not allowed; use <rule>`."""
    problem = exc.errors(include_url=False)[0]
    name = str(problem["loc"][0])
    value = problem["input"]
    rule = _RULES.get(name, str(problem["msg"]))
    if problem["type"] == "string_too_long":
        return f"{name} is {len(value):,} characters; the limit is {rule}"
    shown = clip(value, 60) if isinstance(value, str) else value
    return f"{name} {shown!r} is not allowed; use {rule}"
