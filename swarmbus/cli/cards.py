"""How a message looks in a conversation listing (`thread`, `read`, `search`): a card.

A card is one header line (id, time, route, where the message stands) and its
body indented below. Delivery, reading and acknowledgement are separate
states and all three show: "delivered · unread", "delivered · read · ack
awaited, due 10:30Z", "pending · acked". Bodies come from any sender, so
control characters are shown as escapes, never obeyed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from swarmbus.model import timefmt
from swarmbus.printable import visible

INDENT = "  "


def reading_state(message: Any, now: datetime) -> str:
    """Where the recipient is with it, beside the delivery state: unread, read, acked…"""
    words = [message.reading]
    if message.ack_required and message.acked_at is None:
        if message.ack_overdue(now):
            words.append("ACK OVERDUE")
        elif message.ack_due_at is not None:
            words.append(f"ack due {timefmt.to_text(message.ack_due_at)}")
        else:
            words.append("ack awaited")
    return ", ".join(words)


def state(message: Any, now: datetime) -> str:
    """`delivered · read, ack due …`: the delivery state, then the reading state."""
    return f"{message.delivery_status} · {reading_state(message, now)}"


def header(message: Any, now: datetime) -> str:
    """One line: id, send time, route, states, and the message it answers."""
    line = (
        f"{message.message_id}  {message.sent_at:%Y-%m-%d %H:%M:%S}  "
        f"{message.from_agent} → {message.to_agent}  [{state(message, now)}]"
    )
    if message.reply_to:
        line += f"  ↩ {message.reply_to}"
    if message.ack_note:
        line += f"  note: {' '.join(message.ack_note.split())}"
    return visible(line)


def body(text: str) -> str:
    """The body indented under its header, control characters escaped."""
    return "\n".join(INDENT + line for line in visible(text, keep_lines=True).split("\n"))


def print_cards(out: Any, messages: list[Any], now: datetime | None = None) -> None:
    """Every message as a card, a blank line between them."""
    now = now or timefmt.utcnow()
    for message in messages:
        out.print(header(message, now), markup=False, highlight=False)
        out.print(body(message.content), markup=False, highlight=False)
        out.print()
