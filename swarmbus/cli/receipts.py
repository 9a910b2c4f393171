"""Reading and acknowledging: `swarmbus read` and `swarmbus ack`.

Who reads or acknowledges is `--as` (or $SWARMBUS_AGENT; default `person`).
A message counts as read only when its recipient opens it; reading another
agent's inbox shows it and marks nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, state
from swarmbus.cli.messaging import SENDER_ENV, AsOption, check_sender


@handle_errors
def read(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    agent: Annotated[
        str | None, typer.Argument(help="Whose messages (default: yours, see --as).")
    ] = None,
    unread: Annotated[bool, typer.Option("--unread", help="Only those not opened yet.")] = False,
    peek: Annotated[bool, typer.Option("--peek", help="Show them, mark nothing read.")] = False,
    reader: AsOption = "person",
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 20,
    as_json: bool = JsonOption,
) -> None:
    """An agent's messages from every transport, newest first; they count as read when the
    agent itself reads them (--as or $SWARMBUS_AGENT) without --peek."""
    swarm = state(ctx).swarm()
    check_sender(ctx, swarm, reader, "reader", "--as")
    whose = agent or reader
    check_sender(ctx, swarm, whose, "agent", "AGENT")
    inbox = run(_read, swarm, (whose, reader), {"unread": unread, "peek": peek, "limit": limit})
    if as_json:
        print_json(inbox.model_dump(mode="json"))
        return
    _print_inbox(inbox, unread, peek)


def _print_inbox(inbox: Any, unread: bool, peek: bool) -> None:
    from swarmbus.cli.cards import print_cards

    out = console()
    kind = "unread messages" if unread else "messages"
    if not inbox.messages:
        out.print(f"no {kind} for {inbox.agent}", markup=False)
        return
    print_cards(out, inbox.messages)
    if peek:
        done = "--peek: none marked read"
    elif inbox.reader != inbox.agent:
        done = f"read by {inbox.reader}, not {inbox.agent}: none marked read"
    else:
        done = f"{len(inbox.marked)} marked read"
    count = len(inbox.messages)
    kind = kind if count != 1 else kind.removesuffix("s")
    out.print(f"{count} {kind} for {inbox.agent}, newest first; {done}", markup=False)


async def _read(swarm: Any, who: tuple[str, str], options: dict[str, Any]) -> Any:
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm, create=False) as bus:
        return await bus.read(*who, **options)


@handle_errors
def ack(
    ctx: typer.Context,
    message_id: Annotated[str, typer.Argument(help="The message you acknowledge.")],
    note: Annotated[
        str | None, typer.Option("--note", help="A short note: 'done', 'on it, ETA 5m'.")
    ] = None,
    agent: AsOption = "person",
    as_json: bool = JsonOption,
) -> None:
    """Acknowledge a message you received (only its recipient may); acknowledging it again
    changes nothing. A reply is not an acknowledgement."""
    from swarmbus.model import timefmt
    from swarmbus.printable import visible

    swarm = state(ctx).swarm()
    check_sender(ctx, swarm, agent, "agent", "--as")
    done = run(_ack, swarm, (message_id, agent, note))
    if as_json:
        print_json(done.model_dump(mode="json"))
        return
    message = done.message
    if not done.acknowledged_now:
        when = timefmt.to_text(message.acked_at) if message.acked_at else "?"
        print(f"message {message.message_id} was already acknowledged at {when}; nothing changed")
        return
    noted = f" ({visible(message.ack_note)})" if message.ack_note else ""
    print(f"acknowledged {message.message_id}{noted}")


async def _ack(swarm: Any, request: tuple[str, str, str | None]) -> Any:
    from swarmbus import errors
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm, create=False) as bus:
        try:
            return await bus.ack(*request)
        except errors.NotRecipient as exc:
            raise errors.NotRecipient(f"{exc} (who you are: --as or ${SENDER_ENV})") from None
