"""Commands that send and inspect messages: send, broadcast, messages, show, retry, inbox."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from swarmbus import errors
from swarmbus.bus.cli.common import (
    JsonOption,
    console,
    handle_errors,
    print_json,
    run,
    state,
    table,
)
from swarmbus.bus.cli.params import parse_duration, parse_since

SENDER_ENV = "SWARMBUS_AGENT"

FromOption = typer.Option(
    "--from", envvar=SENDER_ENV, help="Who is sending (default: $SWARMBUS_AGENT or 'person')."
)
PriorityOption = typer.Option("--priority", "-p", help="urgent, high, normal or low.")
TagOption = typer.Option("--tag", "-t", help="A tag; repeat for several.")
KeyOption = typer.Option("--key", help="Idempotency key: a repeated send with it stores nothing.")
ExpiresOption = typer.Option(
    "--expires-in", help="Drop the message if undelivered after this long (90s, 15m, 2h)."
)
FileOption = typer.Option("--file", "-f", help="Read the body from this file.")


def _body(message: str | None, file: Path | None) -> str:
    """The message body from the argument, `-` (stdin) or --file: exactly one of them."""
    if (message is None) == (file is None):
        raise errors.UsageError("give the message as an argument, '-' for stdin, or --file PATH")
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise errors.UsageError(f"--file {file}: no such file") from None
        except UnicodeDecodeError:
            raise errors.UsageError(f"--file {file}: not UTF-8 text") from None
        except OSError as exc:
            raise errors.UsageError(f"--file {file}: {exc.strerror}") from None
    if message == "-":
        return sys.stdin.read()
    return message  # type: ignore[return-value]


def _expiry(expires_in: str | None) -> float | None:
    if expires_in is None:
        return None
    return parse_duration(expires_in, what="--expires-in").total_seconds()


@handle_errors
def send(
    ctx: typer.Context,
    to: Annotated[str, typer.Argument(help="The recipient agent.")],
    message: Annotated[str | None, typer.Argument(help="The body, or '-' for stdin.")] = None,
    file: Annotated[Path | None, FileOption] = None,
    priority: Annotated[str, PriorityOption] = "normal",
    tag: Annotated[list[str] | None, TagOption] = None,
    sender: Annotated[str, FromOption] = "person",
    key: Annotated[str | None, KeyOption] = None,
    expires_in: Annotated[str | None, ExpiresOption] = None,
    as_json: bool = JsonOption,
) -> None:
    """Store a message for one agent and print its id once it is safely stored."""
    body = _body(message, file)
    swarm = state(ctx).swarm()
    message_id = run(
        _send,
        swarm,
        dict(
            from_agent=sender,
            to_agent=to,
            content=body,
            priority=priority,
            tags=tag or [],
            idempotency_key=key,
            expires_in=_expiry(expires_in),
        ),
    )
    if as_json:
        print_json({"message_id": message_id, "to": to})
    else:
        print(message_id)


async def _send(swarm: Any, fields: dict[str, Any]) -> str:
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm) as bus:
        return await bus.send(**fields)


@handle_errors
def broadcast(
    ctx: typer.Context,
    message: Annotated[str | None, typer.Argument(help="The body, or '-' for stdin.")] = None,
    file: Annotated[Path | None, FileOption] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="Comma-separated recipients (default: every agent but the sender)."
        ),
    ] = None,
    priority: Annotated[str, PriorityOption] = "normal",
    tag: Annotated[list[str] | None, TagOption] = None,
    sender: Annotated[str, FromOption] = "person",
    key: Annotated[str | None, KeyOption] = None,
    expires_in: Annotated[str | None, ExpiresOption] = None,
    as_json: bool = JsonOption,
) -> None:
    """Store one message per recipient, all in one transaction."""
    body = _body(message, file)
    swarm = state(ctx).swarm()
    recipients = [name.strip() for name in to.split(",") if name.strip()] if to else None
    result = run(
        _broadcast,
        swarm,
        dict(
            from_agent=sender,
            content=body,
            recipients=recipients,
            priority=priority,
            tags=tag or [],
            idempotency_key=key,
            expires_in=_expiry(expires_in),
        ),
    )
    if as_json:
        print_json(
            {
                "broadcast_id": result.broadcast_id,
                "messages": result.message_ids,
                "created": result.created,
            }
        )
        return
    print(f"broadcast {result.broadcast_id} to {len(result.message_ids)} agents")
    for agent, message_id in result.message_ids.items():
        print(f"  {agent}: {message_id}")


async def _broadcast(swarm: Any, fields: dict[str, Any]) -> Any:
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm) as bus:
        return await bus.broadcast(**fields)


@handle_errors
def messages(
    ctx: typer.Context,
    agent: Annotated[str | None, typer.Option(help="Only messages to or from this agent.")] = None,
    status: Annotated[
        str | None, typer.Option(help="pending, claimed, retrying, delivered, failed or expired.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Sent within (10m, 2h) or after an ISO time.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
    as_json: bool = JsonOption,
) -> None:
    """List messages, newest first."""
    from swarmbus.storage.messages import DELIVERY_STATUSES

    if status is not None and status not in DELIVERY_STATUSES:
        raise errors.UsageError(
            f"status {status!r} is not allowed; use {', '.join(DELIVERY_STATUSES)}"
        )
    swarm = state(ctx).swarm()
    if agent is not None and agent not in swarm.agents:
        raise errors.UnknownAgent(
            f"unknown agent {agent!r}; configured agents: {', '.join(swarm.agents)}"
        )
    found = run(
        _list,
        swarm,
        dict(
            agent=agent,
            status=status,
            since=parse_since(since) if since else None,
            limit=limit,
        ),
    )
    if as_json:
        print_json([m.model_dump(mode="json") for m in found])
        return
    console().print(
        table(
            f"{len(found)} messages",
            ["id", "sent", "from", "to", "priority", "status", "tries", "message"],
            [
                [
                    m.message_id,
                    f"{m.sent_at:%m-%d %H:%M:%S}",
                    m.from_agent,
                    m.to_agent,
                    m.priority,
                    m.delivery_status,
                    m.retry_count,
                    _preview(m.content),
                ]
                for m in found
            ],
        )
    )


def _preview(text: str, width: int = 40) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


async def _list(swarm: Any, filters: dict[str, Any]) -> Any:
    from swarmbus.storage.database import open_database

    async with await open_database(swarm.database) as db:
        return await db.messages.list(**filters)


@handle_errors
def show(
    ctx: typer.Context,
    message_id: Annotated[str, typer.Argument(help="The message id.")],
    as_json: bool = JsonOption,
) -> None:
    """Show one message: its routing, its delivery history and its exact body."""
    message = run(_get, state(ctx).swarm(), message_id)
    if as_json:
        print_json(message.model_dump(mode="json"))
        return
    out = console()
    for label, value in [
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
    ]:
        out.print(f"{label:<12} {value}", markup=False)
    print()
    sys.stdout.write(message.content + ("" if message.content.endswith("\n") else "\n"))


async def _get(swarm: Any, message_id: str) -> Any:
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm) as bus:
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
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm) as bus:
        if message_id is not None:
            return [(await bus.retry(message_id)).message_id]
        return await bus.retry_all_failed(agent)


@handle_errors
def inbox(
    ctx: typer.Context,
    agent: Annotated[str, typer.Argument(help="The inbox agent.")],
    message_id: Annotated[str | None, typer.Argument(help="Print this message's body.")] = None,
    as_json: bool = JsonOption,
) -> None:
    """List an inbox agent's files in delivery order, or print one message."""
    from swarmbus.bus import render

    swarm = state(ctx).swarm()
    if agent not in swarm.agents:
        raise errors.UnknownAgent(
            f"unknown agent {agent!r}; configured agents: {', '.join(swarm.agents)}"
        )
    folder = swarm.inbox_dir(swarm.agents[agent])
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    entries = []
    for path in files:
        try:
            header, body = render.parse_inbox_document(path.read_text(encoding="utf-8"))
        except (ValueError, OSError, UnicodeDecodeError):
            continue
        entries.append({"file": str(path), **header, "body": body})
    if message_id is not None:
        wanted = message_id.strip().upper()
        match = next((e for e in entries if e["id"] == wanted), None)
        if match is None:
            raise errors.UnknownMessage(f"no message {message_id!r} in {agent}'s inbox {folder}")
        if as_json:
            print_json(match)
        else:
            sys.stdout.write(match["body"])
        return
    if as_json:
        print_json(entries)
        return
    console().print(
        table(
            f"{len(entries)} messages in {folder}",
            ["file", "from", "priority", "message"],
            [
                [Path(e["file"]).name, e["from"], e["priority"], _preview(e["body"])]
                for e in entries
            ],
        )
    )
