"""The conversation methods of `Bus`: replies and threads, reading, acknowledging, search.

A part of the one façade (`swarmbus.bus.api.Bus` inherits it), kept in its own
module so the façade stays readable; each method is a thin, typed delegate to
the service that holds the rules (`conversations`, `receipts`, `search`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Unpack

from swarmbus.bus.requests import SendOptions

if TYPE_CHECKING:
    from swarmbus.agents.config import AgentConfig, BusConfig, Swarm
    from swarmbus.bus.conversations import Conversations
    from swarmbus.bus.outbox import Outbox
    from swarmbus.bus.receipts import InboxOptions, Receipts
    from swarmbus.model.conversations import (
        Acknowledgement,
        Inbox,
        Reply,
        SearchFilters,
        SearchResult,
        Thread,
    )
    from swarmbus.model.messages import Message
    from swarmbus.storage.database import Database


class ConversationMethods:
    """Threads, replies, read receipts, acknowledgements and search, as `Bus` methods."""

    # What the façade provides (bus/api.py `Bus`):
    db: Database
    swarm: Swarm
    settings: BusConfig
    configured: dict[str, AgentConfig]
    outbox: Outbox

    @cached_property
    def conversations(self) -> Conversations:
        """Replies and threads: the rules of `swarmbus.bus.conversations`."""
        from swarmbus.bus.conversations import Conversations

        return Conversations(self)

    @cached_property
    def receipts(self) -> Receipts:
        """Reading and acknowledging: the rules of `swarmbus.bus.receipts`."""
        from swarmbus.bus.receipts import Receipts

        return Receipts(self)

    async def reply(
        self,
        message_id: str,
        from_agent: str,
        content: str,
        to: Sequence[str] | None = None,
        **options: Unpack[SendOptions],
    ) -> Reply:
        """Answer `message_id` in its thread: to its sender by default (to its recipient when
        `from_agent` wrote it), or to `to`, others in the thread. Options as for `send`, but
        no subject (a reply keeps its thread's). A reply is never an acknowledgement."""
        return await self.conversations.reply(message_id, from_agent, content, to, **options)

    async def thread(self, message_id: str) -> Thread:
        """The thread of `message_id` (any message of it), in send order, with its participants."""
        return await self.conversations.thread(message_id)

    async def read(self, agent: str, reader: str, **options: Unpack[InboxOptions]) -> Inbox:
        """`agent`'s messages from every transport, newest first. Options: `unread` (only those
        never opened), `since` (only those sent at or after it), `limit` (1 to 10,000, default
        20), `peek`. They count as read when `reader` is `agent` and does not `peek`."""
        return await self.receipts.read(agent, reader, **options)

    async def opened(self, message_ids: Sequence[str], reader: str) -> list[str]:
        """Record that a face showed these messages to `reader`; only their recipient's first
        opening counts. Returns the ids read just now."""
        return sorted(await self.receipts.opened(message_ids, reader))

    async def ack(self, message_id: str, agent: str, note: str | None = None) -> Acknowledgement:
        """`agent`, the recipient, acknowledges `message_id` ("done", "on it"), with an optional
        note of up to 1,000 characters; anyone else is refused, a second ack changes nothing."""
        return await self.receipts.ack(message_id, agent, note)

    async def overdue(self, agent: str | None = None, limit: int = 100) -> list[Message]:
        """Required acks past their deadline by the database's clock (of one recipient, if
        given), most overdue first."""
        return await self.receipts.overdue(agent, limit)

    async def overdue_alerts(self, limit: int = 100) -> list[Message]:
        """Overdue acks nobody was alerted about, each marked alerted as it is returned: a
        watcher gets every one once, ever, and none once it is acked."""
        return await self.receipts.overdue_alerts(limit)

    async def search(
        self, query: str, filters: SearchFilters | None = None, limit: int = 20
    ) -> SearchResult:
        """Messages whose subject or body contains `query`, a plain phrase matched literally and
        case-insensitively; best match first, each with a snippet, at most `limit` (1-100).
        `filters` narrows it: to or from an agent, from a sender, sent since, one thread, one
        delivery status. Nothing found is an empty result; a failure raises `SearchFailed`."""
        from swarmbus.bus.search import search
        from swarmbus.model.conversations import SearchFilters

        return await search(self, query, filters or SearchFilters(), limit)
