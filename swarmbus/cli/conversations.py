"""Commands of a conversation: `swarmbus reply` and `swarmbus thread`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, state
from swarmbus.cli.messaging import (
    AckRequiredOption,
    AckWithinOption,
    ExpiresOption,
    FileOption,
    FromOption,
    KeyOption,
    MessageArgument,
    PriorityOption,
    TagOption,
    body_of,
    check_sender,
    names_of,
    send_options,
)

IdArgument = Annotated[str, typer.Argument(help="A message id (of any message in the thread).")]


ReplyToOption = Annotated[
    str | None,
    typer.Option(
        "--to", help="Comma-separated participants of the thread (default: the other end)."
    ),
]


@handle_errors
def reply(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    message_id: Annotated[str, typer.Argument(help="The message answered.")],
    message: MessageArgument = None,
    file: FileOption = None,
    to: ReplyToOption = None,
    sender: FromOption = "person",
    priority: PriorityOption = "normal",
    tag: TagOption = None,
    key: KeyOption = None,
    expires_in: ExpiresOption = None,
    ack_required: AckRequiredOption = False,
    ack_within: AckWithinOption = None,
    as_json: bool = JsonOption,
) -> None:
    """Answer a message in its thread: to its sender (to its recipient if you wrote it), or
    --to others in the thread. A reply is not an acknowledgement ('swarmbus ack' is)."""
    options = send_options(priority, tag, key, expires_in, (None, ack_required, ack_within))
    swarm = state(ctx).swarm()
    check_sender(ctx, swarm, sender)
    body = body_of(message, file, swarm.config.bus.max_message_bytes)
    result = run(_reply, swarm, (message_id, sender, body, names_of(to)), options)
    if as_json:
        print_json(result.model_dump(mode="json"))
    elif len(result.message_ids) == 1:
        print(next(iter(result.message_ids.values())))
    else:
        print(f"reply to {result.reply_to} in thread {result.thread_id}:")
        for agent, new_id in result.message_ids.items():
            print(f"  {agent}: {new_id}")


async def _reply(swarm: Any, route: tuple[str, str, str, Any], options: dict[str, Any]) -> Any:
    from swarmbus.bus.api import Bus

    message_id, sender, body, recipients = route
    async with await Bus.open(swarm, create=False) as bus:
        return await bus.reply(message_id, sender, body, recipients, **options)


@handle_errors
def thread(ctx: typer.Context, message_id: IdArgument, as_json: bool = JsonOption) -> None:
    """Show a whole thread in send order: who wrote to whom, and where each message stands
    (delivered, read, acknowledged)."""
    from swarmbus.cli.cards import print_cards
    from swarmbus.printable import visible

    found = run(_thread, state(ctx).swarm(), message_id)
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    out = console()
    subject = f' "{found.subject}"' if found.subject else ""
    count = len(found.messages)
    people = ", ".join(found.participants)
    title = f"thread {found.thread_id}{subject} · {people} · {count} messages"
    out.print(visible(title), markup=False, highlight=False)
    out.print()
    print_cards(out, found.messages)
    if found.truncated:
        out.print(f"(only the first {count} messages are shown; --json holds the same)")


async def _thread(swarm: Any, message_id: str) -> Any:
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm, create=False) as bus:
        return await bus.thread(message_id)
