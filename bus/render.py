"""How a message looks when it reaches an agent.

The body always arrives exactly as sent; around it goes a small header so the
receiving agent knows who wrote, and the message id, so it can recognise a
duplicate after a redelivery.
"""

from __future__ import annotations

import json

from swarmbus.storage import timefmt
from swarmbus.storage.messages import Message

FRONT_MATTER = "---"
DEFAULT_GUI_TEMPLATE = (
    "[swarmbus] from {sender} · priority {priority} · tags {tags} · id {id}\n\n{body}"
)


def gui_text(message: Message, template: str | None = None) -> str:
    """What is pasted into a chat window: the agent's template (see
    `agents.gui_settings.TEMPLATE_FIELDS`) filled in, the body exactly as sent."""
    values = {
        "sender": message.from_agent,
        "recipient": message.to_agent,
        "priority": message.priority,
        "tags": ", ".join(message.tags or []) or "none",
        "id": message.message_id,
        "sent_at": timefmt.to_text(message.sent_at),
        "body": message.content,
    }
    return (template or DEFAULT_GUI_TEMPLATE).format_map(values)


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
