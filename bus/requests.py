"""Validation of what callers ask the bus to send (pydantic at the edge).

Every refusal becomes one `InvalidMessage` line naming the bad value and what
is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Annotated, Any, TypedDict

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from swarmbus import errors
from swarmbus.model import ids
from swarmbus.model.messages import DELIVERY_STATUSES, PRIORITIES, Priority

SENDER_RULE = "1-64 letters, digits, '_', '.', ':', '@' or '-'"
# Plain senders that are not agents: the CLI's default, and the GUI probe's sender.
RESERVED_SENDERS = ("person", "swarmbus")
TAG_RULE = "1-32 letters, digits, '_', '.', ':' or '-'"
MAX_TAGS = 16
MAX_KEY_LENGTH = 200
MAX_EXPIRY_SECONDS = 365 * 24 * 3600
MAX_LISTED = 10_000  # messages one listing returns at most
MAX_SUBJECT_CHARS = 200
SUBJECT_RULE = f"subjects are 1-{MAX_SUBJECT_CHARS} characters on one line, no control characters"
MIN_ACK_SECONDS = 1
MAX_ACK_SECONDS = 30 * 24 * 3600
_SENDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$")
_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}$")


def _pattern(regex: re.Pattern[str], rule: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(rule)
        return value

    return AfterValidator(check)


def _one_line(value: str) -> str:
    if not value.isprintable():  # newlines, tabs, escapes, bidi controls
        raise ValueError(SUBJECT_RULE)
    return value


Sender = Annotated[str, _pattern(_SENDER, SENDER_RULE)]
Tag = Annotated[str, _pattern(_TAG, TAG_RULE)]
Subject = Annotated[
    str, Field(min_length=1, max_length=MAX_SUBJECT_CHARS), AfterValidator(_one_line)
]


class Envelope(BaseModel):
    """Everything about a message but its recipients and body."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    from_agent: Sender
    priority: Priority = "normal"
    tags: tuple[Tag, ...] = Field(default=(), max_length=MAX_TAGS)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=MAX_KEY_LENGTH)
    expires_in: float | None = Field(default=None, gt=0, le=MAX_EXPIRY_SECONDS)
    subject: Subject | None = None
    ack_required: bool = False
    ack_within: float | None = Field(default=None, ge=MIN_ACK_SECONDS, le=MAX_ACK_SECONDS)

    @model_validator(mode="before")
    @classmethod
    def _deadline_requires_ack(cls, data: Any) -> Any:
        """An ack deadline makes the ack required."""
        if isinstance(data, dict) and data.get("ack_within") is not None:
            return {**data, "ack_required": True}
        return data


class SendOptions(TypedDict, total=False):
    """The optional part of `Bus.send`, `Bus.broadcast` and `Bus.reply` (which keeps its
    thread's subject, so it takes no `subject`)."""

    priority: str
    tags: Sequence[str]
    idempotency_key: str | None
    expires_in: float | None
    subject: str | None
    ack_required: bool
    ack_within: float | None  # seconds; implies ack_required


_FIELD_RULES = {
    "from_agent": f"senders are {SENDER_RULE}",
    "priority": f"use {', '.join(PRIORITIES[:-1])} or {PRIORITIES[-1]}",
    "tags": f"tags are {TAG_RULE}, at most {MAX_TAGS} of them",
    "idempotency_key": f"keys are 1-{MAX_KEY_LENGTH} characters",
    "expires_in": f"expiry is a number of seconds above 0 and at most {MAX_EXPIRY_SECONDS}",
    "subject": SUBJECT_RULE,
    "ack_required": "use true or false",
    "ack_within": (
        f"the ack deadline is a number of seconds from {MIN_ACK_SECONDS} to {MAX_ACK_SECONDS}"
    ),
}
_FIELD_NAMES = {
    "from_agent": "sender",
    "priority": "priority",
    "tags": "tag",
    "idempotency_key": "idempotency key",
    "expires_in": "expiry",
    "subject": "subject",
    "ack_required": "ack_required",
    "ack_within": "ack deadline",
}


def envelope(from_agent: str, options: SendOptions) -> Envelope:
    """Validate who sends and the options, or raise `InvalidMessage` with one line."""
    fields: dict[str, Any] = {**options, "from_agent": from_agent}
    if "tags" in fields:
        fields["tags"] = tuple(fields["tags"])
    try:
        return Envelope(**fields)
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        name = str(problem["loc"][0])
        value = problem["input"]
        label = _FIELD_NAMES.get(name, name)
        rule = _FIELD_RULES.get(name, str(problem["msg"]))
        if name == "tags" and len(problem["loc"]) == 1:  # the list itself, not one tag
            raise errors.InvalidMessage(f"{len(value)} tags are too many; {rule}") from None
        raise errors.InvalidMessage(f"{label} {shown(value)} is not allowed; {rule}") from None


def shown(value: Any, limit: int = 60) -> str:
    """A value as a refusal quotes it: whole when short, else its start and its length."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[: limit - 20]!r}… ({len(value):,} characters)"
    return repr(value)


def is_valid_sender(name: str) -> bool:
    """Whether `name` has the shape of a sender (see `SENDER_RULE`)."""
    return _SENDER.fullmatch(name) is not None


def is_known_sender(sender: str, agents: Collection[str]) -> bool:
    """Whether a sender named on a command line (or in $SWARMBUS_AGENT) is one we know.

    A configured agent, a reserved plain name, or an identity that can never
    be an agent's name because it has ':' or '@' in it (`discord:alice`,
    `ci@build-3`). Anything else is most likely a mistyped agent name, and
    the replies to it would go nowhere.
    """
    return sender in agents or sender in RESERVED_SENDERS or any(c in sender for c in ":@")


def check_sender(sender: str, agents: Collection[str], label: str = "sender") -> str:
    """Accept a sender `is_known_sender` knows; else `UnknownAgent` naming `label` and who is.

    `label` says where the name came from (`--from`, `$SWARMBUS_AGENT`), so the
    line points at what to fix.
    """
    if is_known_sender(sender, agents):
        return sender
    others = " or ".join(repr(name) for name in RESERVED_SENDERS)
    raise errors.UnknownAgent(
        f"{label} {sender!r} is not a configured agent; configured agents: "
        f"{', '.join(agents)} (other senders: {others}, or a name with ':' or '@')"
    )


def check_requester(name: str, agents: Collection[str]) -> str:
    """Who asks for a requeue: a name of a sender's shape that `check_sender` accepts."""
    if not is_valid_sender(name):
        raise errors.InvalidMessage(f"requester {name!r} is not allowed; senders are {SENDER_RULE}")
    return check_sender(name, agents, "requester")


def check_position(message_id: str) -> str:
    """A message id to page from (`before`), normalized; one line when it is no id."""
    normalized = message_id.strip().upper()
    if not ids.is_valid(normalized):
        raise errors.UsageError(
            f"position {message_id!r} is not allowed; use a message id (26 letters and digits)"
        )
    return normalized


def check_status(status: str | None) -> None:
    """Refuse a listing by a delivery status no message can have."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise errors.UsageError(
            f"status {status!r} is not allowed; use {', '.join(DELIVERY_STATUSES)}"
        )


def check_limit(limit: int) -> None:
    """Refuse a listing of no messages, or of more than one listing may hold."""
    if not 1 <= limit <= MAX_LISTED:
        raise errors.UsageError(f"limit {limit} is not allowed; use 1 to {MAX_LISTED:,}")


def check_content(content: str, max_bytes: int) -> str:
    """Accept a non-empty UTF-8 body of at most `max_bytes` bytes."""
    if not isinstance(content, str):
        raise errors.InvalidMessage(f"message body must be text, not {type(content).__name__}")
    if not content.strip():
        raise errors.InvalidMessage("message is empty; send at least one visible character")
    if "\x00" in content:
        raise errors.InvalidMessage("message contains a NUL character, which no agent can read")
    try:
        size = len(content.encode("utf-8"))
    except UnicodeEncodeError:
        raise errors.InvalidMessage("message is not valid UTF-8 text") from None
    if size > max_bytes:
        raise errors.InvalidMessage(
            f"message is {size:,} bytes; the limit is {max_bytes:,} bytes "
            f"(bus.max_message_bytes in the config)"
        )
    return content
