"""How a message looks when it reaches an agent.

The body always arrives exactly as sent; around it goes a small header so the
receiving agent knows who wrote, and the message id, so it can recognise a
duplicate after a redelivery. The header also places the message in its
conversation (its thread, the message it answers, whether an ack is due) and
says how to answer in the thread (`swarmbus reply <id> …`). A paste that may
repeat an earlier, interrupted one says so in a line of its own above
everything else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from swarmbus.model import timefmt
from swarmbus.model.messages import Message

FRONT_MATTER = "---"
NUDGE_PREVIEW_CHARS = 60  # characters of a body a notice quotes when there is no subject
NUDGE_IDS_SHOWN = 5  # message ids one collapsed notice lists
DEFAULT_GUI_TEMPLATE = (
    "[swarmbus] from {sender} · priority {priority} · tags {tags} · id {id}{conversation}\n\n{body}"
)


def uncertain_reason(message: Message) -> str:
    """Why a message may already have been delivered: its last attempt never finished."""
    started = message.attempt_started_at
    when = timefmt.to_text(started) if started else "an unknown time"
    by = f" by {message.attempt_by}" if message.attempt_by else ""
    return (
        f"an earlier attempt at message {message.message_id} was interrupted at {when}{by} "
        f"and may have been delivered"
    )


def repeat_notice(message_id: str, interrupted_at: datetime) -> str:
    """The line above a paste that may repeat an earlier, interrupted one."""
    return (
        f"[swarmbus] this may repeat message {message_id}: an earlier attempt was "
        f"interrupted at {timefmt.to_text(interrupted_at)}"
    )


def gui_text(
    message: Message, template: str | None = None, uncertain_since: datetime | None = None
) -> str:
    """What is pasted into a chat window: the agent's template (see
    `agents.gui_settings.TEMPLATE_FIELDS`, which always includes {id}) filled in,
    the body exactly as sent; below a "may repeat" line when `uncertain_since`."""
    values = {
        "sender": message.from_agent,
        "recipient": message.to_agent,
        "priority": message.priority,
        "tags": ", ".join(message.tags or []) or "none",
        "id": message.message_id,
        "sent_at": timefmt.to_text(message.sent_at),
        "thread": message.thread,
        "reply_to": message.reply_to or "none",
        "subject": message.subject or "none",
        "conversation": conversation(message),
        "body": message.content,
    }
    text = (template or DEFAULT_GUI_TEMPLATE).format_map(values)
    if uncertain_since is None:
        return text
    return f"{repeat_notice(message.message_id, uncertain_since)}\n{text}"


def nudge_text(messages: Sequence[Message]) -> str:
    """The one-line notice pasted instead of bodies (`delivery = "nudge"`): who wrote, the
    subject or first words, the id, and how to read it; several messages collapse into one."""
    if len(messages) == 1:
        message = messages[0]
        about = (
            json.dumps(message.subject, ensure_ascii=False)
            if message.subject
            else first_words(message.content)
        )
        return (
            f"[swarmbus] new message from {message.from_agent}: {about} · id "
            f"{message.message_id} · read it with fetch_inbox"
        )
    senders = ", ".join(dict.fromkeys(m.from_agent for m in messages))
    shown = [m.message_id for m in messages[:NUDGE_IDS_SHOWN]]
    more = f" and {len(messages) - len(shown)} more" if len(messages) > len(shown) else ""
    return (
        f"[swarmbus] {len(messages)} new messages from {senders} · ids {', '.join(shown)}{more}"
        f" · read them with fetch_inbox"
    )


def first_words(text: str, width: int = NUDGE_PREVIEW_CHARS) -> str:
    """The start of a body on one line, quoted, control characters dropped."""
    line = "".join(c for c in " ".join(text.split()) if c.isprintable())
    cut = line if len(line) <= width else line[: width - 1] + "…"
    return json.dumps(cut, ensure_ascii=False)


def conversation(message: Message) -> str:
    """` · thread T · reply to R · subject "S" · ack due T · answer: swarmbus reply ID`."""
    parts = [f"thread {message.thread}"]
    if message.reply_to:
        parts.append(f"reply to {message.reply_to}")
    if message.subject:
        parts.append(f"subject {json.dumps(message.subject, ensure_ascii=False)}")
    if message.ack_required:
        due = f" by {timefmt.to_text(message.ack_due_at)}" if message.ack_due_at else ""
        parts.append(f"ack required{due} (swarmbus ack {message.message_id})")
    parts.append(f"answer: swarmbus reply {message.message_id}")
    return "".join(f" · {part}" for part in parts)


def inbox_document(message: Message) -> str:
    """A Markdown file: YAML front matter (JSON scalars), a blank line, the exact body."""
    fields = {
        "id": message.message_id,
        "from": message.from_agent,
        "to": message.to_agent,
        "priority": message.priority,
        "tags": list(message.tags or []),
        "sent_at": timefmt.to_text(message.sent_at),
    }
    if message.broadcast_id:
        fields["broadcast_id"] = message.broadcast_id
    fields.update(_conversation_fields(message))
    header = "\n".join(
        f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()
    )
    return f"{FRONT_MATTER}\n{header}\n{FRONT_MATTER}\n\n{message.content}"


def parse_inbox_document(text: str) -> tuple[dict[str, object], str]:
    """Split an inbox file back into its header fields and its exact body."""
    if not text.startswith(FRONT_MATTER + "\n"):
        raise ValueError("not a swarmbus inbox file: no front matter")
    end = text.index(f"\n{FRONT_MATTER}\n\n", len(FRONT_MATTER))
    header: dict[str, object] = {}
    for line in text[len(FRONT_MATTER) + 1 : end].splitlines():
        key, _, value = line.partition(": ")
        header[key] = json.loads(value)
    return header, text[end + len(FRONT_MATTER) + 3 :]


def _conversation_fields(message: Message) -> dict[str, object]:
    """The inbox file's conversation header: thread, answered message, subject, ack, how to
    answer."""
    fields: dict[str, object] = {"thread_id": message.thread}
    if message.reply_to:
        fields["reply_to"] = message.reply_to
    if message.subject:
        fields["subject"] = message.subject
    if message.ack_required:
        fields["ack_required"] = True
        if message.ack_due_at:
            fields["ack_due_at"] = timefmt.to_text(message.ack_due_at)
    fields["reply_with"] = f"swarmbus reply {message.message_id} MESSAGE"
    return fields
