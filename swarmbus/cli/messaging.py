"""Commands that send: `swarmbus send` and `swarmbus broadcast`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from swarmbus import errors, fsutil
from swarmbus.cli.common import JsonOption, handle_errors, print_json, run, state
from swarmbus.cli.params import parse_duration

SENDER_ENV = "SWARMBUS_AGENT"

MessageArgument = Annotated[str | None, typer.Argument(help="The body, or '-' for stdin.")]
FileOption = Annotated[Path | None, typer.Option("--file", "-f", help="Read the body from a file.")]
PriorityOption = Annotated[
    str, typer.Option("--priority", "-p", help="urgent, high, normal or low.")
]
TagOption = Annotated[
    list[str] | None, typer.Option("--tag", "-t", help="A tag; repeat for several.")
]
FromOption = Annotated[
    str,
    typer.Option(
        "--from", envvar=SENDER_ENV, help="Who is sending (default: $SWARMBUS_AGENT or 'person')."
    ),
]
KeyOption = Annotated[
    str | None,
    typer.Option("--key", help="Idempotency key: a repeated send with it stores nothing."),
]
ExpiresOption = Annotated[
    str | None,
    typer.Option(
        "--expires-in", help="Drop the message if undelivered after this long (90s, 15m, 2h)."
    ),
]
ToOption = Annotated[
    str | None,
    typer.Option("--to", help="Comma-separated recipients (default: every agent but the sender)."),
]
AsOption = Annotated[
    str,
    typer.Option(
        "--as", envvar=SENDER_ENV, help="Who you are (default: $SWARMBUS_AGENT or 'person')."
    ),
]
SubjectOption = Annotated[
    str | None,
    typer.Option("--subject", "-s", help="A subject (up to 200 characters); replies keep it."),
]
AckRequiredOption = Annotated[
    bool,
    typer.Option("--ack-required", help="The recipient must acknowledge it ('swarmbus ack')."),
]
AckWithinOption = Annotated[
    str | None,
    typer.Option(
        "--ack-within",
        help="The ack is due this long after sending (30m, 2h; 1s to 30d); implies --ack-required.",
    ),
]


@handle_errors
def send(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    to: Annotated[str, typer.Argument(help="The recipient agent.")],
    message: MessageArgument = None,
    file: FileOption = None,
    priority: PriorityOption = "normal",
    tag: TagOption = None,
    sender: FromOption = "person",
    key: KeyOption = None,
    expires_in: ExpiresOption = None,
    subject: SubjectOption = None,
    ack_required: AckRequiredOption = False,
    ack_within: AckWithinOption = None,
    as_json: bool = JsonOption,
) -> None:
    """Store a message for one agent and print its id once it is safely stored."""
    options = send_options(priority, tag, key, expires_in, (subject, ack_required, ack_within))
    swarm = state(ctx).swarm()
    check_sender(ctx, swarm, sender)
    body = body_of(message, file, swarm.config.bus.max_message_bytes)
    message_id = run(_send, swarm, (sender, to, body), options)
    if as_json:
        print_json({"message_id": message_id, "to": to})
    else:
        print(message_id)


@handle_errors
def broadcast(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    message: MessageArgument = None,
    file: FileOption = None,
    to: ToOption = None,
    priority: PriorityOption = "normal",
    tag: TagOption = None,
    sender: FromOption = "person",
    key: KeyOption = None,
    expires_in: ExpiresOption = None,
    subject: SubjectOption = None,
    ack_required: AckRequiredOption = False,
    ack_within: AckWithinOption = None,
    as_json: bool = JsonOption,
) -> None:
    """Store one message per recipient, all in one transaction."""
    options = send_options(priority, tag, key, expires_in, (subject, ack_required, ack_within))
    recipients = names_of(to)
    swarm = state(ctx).swarm()
    check_sender(ctx, swarm, sender)
    body = body_of(message, file, swarm.config.bus.max_message_bytes)
    result = run(_broadcast, swarm, (sender, body, recipients), options)
    _print_broadcast(result, as_json)


def _print_broadcast(result: Any, as_json: bool) -> None:
    if as_json:
        data = {"broadcast_id": result.broadcast_id, "messages": result.message_ids}
        print_json({**data, "created": result.created})
        return
    print(f"broadcast {result.broadcast_id} to {len(result.message_ids)} agents")
    for agent, message_id in result.message_ids.items():
        print(f"  {agent}: {message_id}")


def names_of(listed: str | None) -> list[str] | None:
    """`A, B` -> ["A", "B"]; None when not given."""
    return [name.strip() for name in listed.split(",") if name.strip()] if listed else None


def check_sender(
    ctx: typer.Context, swarm: Any, sender: str, parameter: str = "sender", flag: str = "--from"
) -> None:
    """Refuse a sender that is no configured agent (a typo in `flag` or $SWARMBUS_AGENT),
    by the bus's rule (`Bus.check_sender`), before anything is read or opened."""
    from swarmbus.bus import requests

    source = ctx.get_parameter_source(parameter)
    label = f"${SENDER_ENV}" if source is not None and source.name == "ENVIRONMENT" else flag
    requests.check_sender(sender, swarm.agents, label)


def body_of(message: str | None, file: Path | None, max_bytes: int) -> str:
    """The message body from the argument, `-` (stdin) or --file: exactly one of them.

    stdin and the file are read only up to `max_bytes` (+1): an endless stream
    or a huge file is refused without filling memory. Their bytes are kept
    exactly (no newline translation).
    """
    if (message is None) == (file is None):
        raise errors.UsageError("give the message as an argument, '-' for stdin, or --file PATH")
    if file is None and message != "-":
        return str(message)
    source = "stdin" if file is None else f"--file {file}"
    try:
        if file is None:
            data = fsutil.read_at_most(sys.stdin.buffer, max_bytes)
        else:
            data = fsutil.read_file_at_most(file, max_bytes)
        return data.decode("utf-8")
    except fsutil.TooLarge:
        raise errors.InvalidMessage(
            f"{source}: message is more than {max_bytes:,} bytes; the limit is {max_bytes:,} "
            f"bytes (bus.max_message_bytes in the config)"
        ) from None
    except FileNotFoundError:
        raise errors.UsageError(f"{source}: no such file") from None
    except UnicodeDecodeError:
        raise errors.UsageError(f"{source}: not UTF-8 text") from None
    except OSError as exc:
        raise errors.UsageError(f"{source}: {exc.strerror or exc}") from None


def send_options(
    priority: str,
    tags: list[str] | None,
    key: str | None,
    expires_in: str | None,
    conversation: tuple[str | None, bool, str | None] = (None, False, None),
) -> dict[str, Any]:
    """The `Bus.send` options from the command line; `conversation` is (subject,
    ack required, ack deadline). Durations are checked here, before anything is opened."""
    from datetime import timedelta

    from swarmbus.bus.requests import MAX_ACK_SECONDS, MAX_EXPIRY_SECONDS, MIN_ACK_SECONDS

    subject, ack_required, ack_within = conversation
    options: dict[str, Any] = {"priority": priority, "tags": tags or [], "idempotency_key": key}
    if expires_in is not None:
        longest = timedelta(seconds=MAX_EXPIRY_SECONDS)
        expiry = parse_duration(expires_in, what="--expires-in", maximum=longest)
        options["expires_in"] = expiry.total_seconds()
    if subject is not None:
        options["subject"] = subject
    if ack_required:
        options["ack_required"] = True
    if ack_within is not None:
        bounds = {"minimum": timedelta(seconds=MIN_ACK_SECONDS)}
        bounds["maximum"] = timedelta(seconds=MAX_ACK_SECONDS)
        due = parse_duration(ack_within, what="--ack-within", **bounds)
        options["ack_within"] = due.total_seconds()
    return options


async def _send(swarm: Any, route: tuple[str, str, str], options: dict[str, Any]) -> str:
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm) as bus:
        return await bus.send(*route, **options)


async def _broadcast(swarm: Any, route: tuple[str, str, Any], options: dict[str, Any]) -> Any:
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm) as bus:
        return await bus.broadcast(*route, **options)
