"""Conversations: replies and their routing, and threads.

The rules every face (CLI, Discord, MCP, web) follows, written once:

- A reply answers the sender of the message it answers, or its recipient
  when the replier wrote it; `to` may name others in the thread instead. A
  broadcast's replies therefore go to the broadcaster.
- A configured agent replies only in a thread it takes part in. A person
  (`person`, `discord:alice`, any sender with ':' or '@') steers the swarm
  and may join any thread.
- A reply keeps its thread and subject, and is never an acknowledgement.
- No transport reaches a person: a reply to one is stored as delivered, and
  read through a face (`swarmbus read person`, Discord /thread).

Reading and acknowledging are `swarmbus.bus.receipts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Unpack

from swarmbus import errors
from swarmbus.agents.config import AgentConfig
from swarmbus.bus import requests
from swarmbus.bus.outbox import Place, compose
from swarmbus.bus.requests import Envelope, SendOptions
from swarmbus.model import ids
from swarmbus.model.conversations import Reply, Thread
from swarmbus.model.messages import Message, NewMessage
from swarmbus.storage.conversations import ConversationRepository

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus

THREAD_LIMIT = 1000  # messages one thread listing holds


class Conversations:
    """Replies and threads of one `Bus` (its `reply` and `thread` delegate here)."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._rows = ConversationRepository(bus.db.connector)

    async def reply(
        self,
        message_id: str,
        from_agent: str,
        content: str,
        to: Sequence[str] | None = None,
        **options: Unpack[SendOptions],
    ) -> Reply:
        """Store a reply in the thread of `message_id`, routed by the module's rules."""
        if options.get("subject") is not None:
            raise errors.InvalidMessage("a reply keeps its thread's subject; leave subject out")
        envelope = requests.envelope(from_agent, options)
        self._bus.check_sender(from_agent)  # a typo would be taken for a person joining
        answered = await self._answerable(message_id)
        requests.check_content(content, self._bus.settings.max_message_bytes)
        participants = await self._rows.participants(answered.thread)
        self._check_replier(from_agent, answered, participants)
        names = recipients(answered, from_agent, participants, to)
        rows = await self._compose(envelope, answered, names, content)
        stored = await self._bus.outbox.store_all(rows)
        return Reply(
            thread_id=answered.thread,
            reply_to=answered.message_id,
            message_ids={name: s.message_id for name, s in zip(names, stored, strict=True)},
            created=any(s.created for s in stored),
        )

    async def _compose(
        self, envelope: Envelope, answered: Message, names: list[str], content: str
    ) -> list[NewMessage]:
        """One row per recipient, in the answered message's thread (a group when several)."""
        group = ids.new_id() if len(names) > 1 else None
        place = Place(group, answered.thread, answered.message_id, answered.subject)
        retries = self._bus.settings.max_retries
        return [compose(envelope, await self._target(n), content, retries, place) for n in names]

    async def _answerable(self, message_id: str) -> Message:
        try:
            answered = await self._bus.get(message_id)
        except errors.UnknownMessage:
            raise errors.UnknownMessage(
                f"no message has id {message_id!r} (never sent, or pruned); "
                f"list ids with 'swarmbus messages'"
            ) from None
        if answered.delivery_status == "expired":
            raise errors.InvalidMessage(
                f"message {answered.message_id} expired before it was delivered; there is "
                f"nothing to reply to (send a new message instead)"
            )
        return answered

    def _check_replier(self, replier: str, answered: Message, participants: set[str]) -> None:
        if replier in self._bus.configured and replier not in participants:
            raise errors.NotInThread(
                f"{replier} is not in thread {answered.thread} (its participants: "
                f"{', '.join(sorted(participants))}); an agent replies only in its own threads"
            )

    async def _target(self, name: str) -> AgentConfig | str:
        """The configured agent called `name`, or a person's name (given a registry row)."""
        if name in self._bus.configured:
            return self._bus.configured[name]
        if requests.is_known_sender(name, self._bus.configured):
            await self._rows.ensure_person(name)
            return name
        raise errors.UnknownAgent(
            f"{name!r} is neither a configured agent nor a person ('person', or a name with "
            f"':' or '@'), so no reply can reach it; configured agents: "
            f"{', '.join(self._bus.configured)}"
        )

    async def thread(self, message_id: str) -> Thread:
        """The whole thread of `message_id` (any message of it) in send order."""
        message = await self._bus.get(message_id)
        found = await self._rows.thread(message.thread, THREAD_LIMIT + 1)
        shown = found[:THREAD_LIMIT]
        people = await self._rows.participants(message.thread)
        return Thread(
            thread_id=message.thread,
            subject=next((m.subject for m in shown if m.subject), None),
            participants=sorted(people),
            messages=shown,
            truncated=len(found) > THREAD_LIMIT,
        )


def recipients(
    answered: Message, replier: str, participants: set[str], to: Sequence[str] | None
) -> list[str]:
    """Who a reply goes to: `to` (each in the thread), else the answered message's other end."""
    if to is None:
        return [answered.from_agent if answered.from_agent != replier else answered.to_agent]
    names = list(dict.fromkeys(name.strip() for name in to if name.strip()))
    strangers = [name for name in names if name not in participants]
    if strangers or not names:
        raise errors.NotInThread(
            f"{', '.join(map(repr, strangers)) or 'no recipient'} is not in thread "
            f"{answered.thread}; a reply goes to its participants: "
            f"{', '.join(sorted(participants))}"
        )
    return names
