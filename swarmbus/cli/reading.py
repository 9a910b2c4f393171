"""Commands that read and requeue: messages, show, retry, inbox."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from swarmbus import errors
from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, state, table
from swarmbus.cli.messaging import AsOption
from swarmbus.cli.params import parse_since
from swarmbus.printable import visible

PREVIEW_WIDTH = 40  # characters of a body shown in tables
# The largest body a swarm may allow (bus.max_message_bytes) plus room for the header:
# a bigger file in an inbox folder is not a message swarmbus wrote, and is not read whole.
MAX_INBOX_FILE_BYTES = 16 * 1024 * 1024 + 64 * 1024
RawOption = Annotated[
    bool,
    typer.Option(
        "--raw",
        help="Print the body exactly, control characters included, even on a terminal "
        "(on a terminal they are shown as escapes by default).",
    ),
]


@handle_errors
def messages(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    agent: Annotated[str | None, typer.Option(help="Only messages to or from this agent.")] = None,
    status: Annotated[
        str | None, typer.Option(help="pending, claimed, retrying, delivered, failed or expired.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Sent within (10m, 2h) or after an ISO time.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only required acks past their deadline.")
    ] = False,
    as_json: bool = JsonOption,
) -> None:
    """List messages, newest first (--overdue: the overdue acks, most overdue first), with
    their thread and whether their recipient read and acknowledged them."""
    swarm = state(ctx).swarm()
    filters = _filters(swarm, agent, status, since)
    if overdue and (status or since):
        raise errors.UsageError("--overdue lists overdue acks; it takes --agent and --limit only")
    found = run(_list, swarm, {**filters, "limit": limit, "overdue": overdue})
    if as_json:
        print_json([m.model_dump(mode="json") for m in found])
        return
    console().print(_messages_table(found))


def _filters(swarm: Any, agent: str | None, status: str | None, since: str | None) -> dict:
    """The bus's listing rules, applied before the database is opened."""
    from swarmbus.bus import requests

    requests.check_status(status)
    if agent is not None:
        swarm.agent(agent)
    return {"agent": agent, "status": status, "since": parse_since(since) if since else None}


def preview(text: str, width: int = PREVIEW_WIDTH) -> str:
    """One line of at most `width` characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


async def _list(swarm: Any, filters: dict[str, Any]) -> Any:
    from swarmbus.bus.api import Bus

    overdue = filters.pop("overdue")
    async with await Bus.open(swarm, create=False) as bus:
        if overdue:
            return await bus.overdue(filters["agent"], filters["limit"])
        return await bus.messages(**filters)


@handle_errors
def show(
    ctx: typer.Context,
    message_id: Annotated[str, typer.Argument(help="The message id.")],
    raw: RawOption = False,
    as_json: bool = JsonOption,
) -> None:
    """Show one message: its routing, its delivery history and its exact body."""
    message = run(_get, state(ctx).swarm(), message_id)
    if as_json:
        print_json(message.model_dump(mode="json"))
        return
    out = console()
    for label, value in _fields(message):
        out.print(f"{label:<12} {visible(str(value))}", markup=False)
    print()
    write_body(message.content, raw)


def write_body(body: str, raw: bool, *, end_line: bool = True) -> None:
    """The exact body into a pipe or file (or with --raw); escaped on a terminal.

    Any sender chooses the body, so printed raw on a terminal its escape
    sequences would drive the operator's screen. `end_line` ends an
    unterminated last line.
    """
    if not raw and sys.stdout.isatty():
        body = visible(body, keep_lines=True)
    sys.stdout.write(body + ("\n" if end_line and not body.endswith("\n") else ""))


def _fields(message: Any) -> list[tuple[str, Any]]:
    return [
        ("id", message.message_id),
        ("from", message.from_agent),
        ("to", message.to_agent),
        ("priority", message.priority),
        ("tags", ", ".join(message.tags or []) or "-"),
        ("sent", message.sent_at),
        ("status", message.delivery_status),
        ("attempts", f"{message.retry_count} failed of {message.max_retries + 1} allowed"),
        ("delivered", message.processed_at if message.status == "delivered" else "-"),
        ("method", message.delivery_method),
        ("delivery ms", message.delivery_time_ms),
        ("last error", message.last_error or "-"),
        ("broadcast", message.broadcast_id or "-"),
        ("expires", message.expires_at or "-"),
        ("unfinished attempt", _attempt(message)),
        ("thread", message.thread),
        ("reply to", message.reply_to or "-"),
        ("subject", message.subject or "-"),
        ("read", message.read_at or "unread"),
        ("ack", _ack_state(message)),
    ]


def _ack_state(message: Any) -> str:
    """Acked (when, with its note), awaited (by when, overdue or not), or not required."""
    from swarmbus.cli.cards import reading_state
    from swarmbus.model import timefmt

    if message.acked_at is not None:
        note = f": {message.ack_note}" if message.ack_note else ""
        return f"acked {timefmt.to_text(message.acked_at)}{note}"
    if not message.ack_required:
        return "not required"
    return reading_state(message, timefmt.utcnow()).split(", ", 1)[1]


def _attempt(message: Any) -> str:
    """An attempt that started and never recorded its outcome (it may have landed)."""
    if message.attempt_started_at is None:
        return "-"
    return f"started {message.attempt_started_at} by {message.attempt_by or '?'}"


async def _get(swarm: Any, message_id: str) -> Any:
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm, create=False) as bus:
        return await bus.get(message_id)


@handle_errors
def retry(
    ctx: typer.Context,
    message_id: Annotated[str | None, typer.Argument(help="The dead letter to requeue.")] = None,
    all_failed: Annotated[
        bool, typer.Option("--all-failed", help="Requeue every dead letter.")
    ] = False,
    agent: Annotated[
        str | None, typer.Option(help="With --all-failed: only this recipient's.")
    ] = None,
    as_json: bool = JsonOption,
) -> None:
    """Give dead letters (failed messages) a fresh set of attempts."""
    if (message_id is None) == (not all_failed):
        raise errors.UsageError("give one message id, or --all-failed")
    requeued = run(_retry, state(ctx).swarm(), message_id, agent)
    if as_json:
        print_json({"requeued": requeued})
    else:
        print(f"requeued {len(requeued)} message{'s' if len(requeued) != 1 else ''}")


async def _retry(swarm: Any, message_id: str | None, agent: str | None) -> list[str]:
    """Requeue; a missing database has no dead letters, so it is refused, not created."""
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm, create=False) as bus:
        if message_id is not None:
            return [(await bus.retry(message_id)).message_id]
        return await bus.retry_all_failed(agent)


@handle_errors
def inbox(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    agent: Annotated[str, typer.Argument(help="The inbox agent.")],
    message_id: Annotated[str | None, typer.Argument(help="Print this message's body.")] = None,
    raw: RawOption = False,
    reader: AsOption = "person",
    as_json: bool = JsonOption,
) -> None:
    """List an inbox agent's files in delivery order, or print one message (which counts as
    read when the agent itself prints it: --as or $SWARMBUS_AGENT)."""
    from swarmbus.bus.opening import require_swarm_database

    swarm = state(ctx).swarm()
    require_swarm_database(swarm)  # a mistyped --db is a mistake here too
    folder = swarm.inbox_dir(swarm.agent(agent))
    entries = inbox_entries(folder)
    if message_id is not None:
        _print_one(entries, message_id, (agent, folder), (raw, as_json))
        if reader == agent:
            run(_opened, swarm, message_id.strip().upper(), reader)
        return
    if as_json:
        print_json(entries)
        return
    rows = [[Path(e["file"]).name, e["from"], e["priority"], preview(e["body"])] for e in entries]
    console().print(
        table(f"{len(entries)} messages in {folder}", ["file", "from", "priority", "message"], rows)
    )


def _print_one(
    entries: list[dict[str, Any]], message_id: str, where: tuple[str, Path], how: tuple[bool, bool]
) -> None:
    wanted = message_id.strip().upper()
    match = next((e for e in entries if e["id"] == wanted), None)
    if match is None:
        agent, folder = where
        raise errors.UnknownMessage(f"no message {message_id!r} in {agent}'s inbox {folder}")
    raw, as_json = how
    print_json(match) if as_json else write_body(match["body"], raw, end_line=False)


async def _opened(swarm: Any, message_id: str, reader: str) -> None:
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm, create=False) as bus:
        await bus.opened([message_id], reader)


def inbox_entries(folder: Path) -> list[dict[str, Any]]:
    """Every readable message file in an inbox folder, in delivery order."""
    from swarmbus import fsutil
    from swarmbus.model import render

    entries = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        try:
            text = fsutil.read_file_at_most(path, MAX_INBOX_FILE_BYTES).decode("utf-8")
            header, body = render.parse_inbox_document(text)
        except (ValueError, OSError, UnicodeDecodeError, fsutil.TooLarge):
            continue
        entries.append({"file": str(path), **header, "body": body})
    return entries


def _messages_table(found: list[Any]) -> Any:
    from swarmbus.cli.cards import reading_state
    from swarmbus.model import timefmt

    now = timefmt.utcnow()
    columns = ["id", "sent", "from", "to", "priority", "status", "read/ack", "tries", "thread"]
    columns.append("message")
    rows = [
        [
            m.message_id,
            f"{m.sent_at:%m-%d %H:%M:%S}",
            m.from_agent,
            m.to_agent,
            m.priority,
            m.delivery_status,
            reading_state(m, now),
            m.retry_count,
            "-" if m.thread == m.message_id else m.thread,
            preview(m.content),
        ]
        for m in found
    ]
    return table(f"{len(found)} messages", columns, rows)
