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

Model = TypeVar("Model", bound=BaseModel)
_RULES = {
    "agent": f"1-{AGENT_MAX_CHARS} characters",
    "message": f"1-{MESSAGE_MAX_CHARS:,} characters",
    "message_id": f"a message id of at most {MESSAGE_ID_MAX_CHARS} characters",
    "priority": ", ".join(PRIORITIES),
    "status": ", ".join(DELIVERY_STATUSES),
    "limit": f"1-{MESSAGES_MAX}",
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
