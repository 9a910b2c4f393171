"""The conversation tools: send, reply, fetch the inbox, read, acknowledge, search.

Each tool acts as the server's own agent: there is no `from` parameter, and
another agent's mail or a thread the agent is not part of is refused. Names,
parameters and docstrings are written for a model to read; the docstring is
the tool's description.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from swarmbus.durations import parse_since
from swarmbus.mcp.session import AgentSession, Refused
from swarmbus.mcp.views import (
    Acknowledged,
    Hit,
    InboxView,
    MessageView,
    Replied,
    SearchView,
    Sent,
    ThreadView,
)

if TYPE_CHECKING:
    from mcp.server import MCPServer

    from swarmbus.model.conversations import Inbox, SearchResult

T = TypeVar("T")
MessageId = Annotated[str, Field(description="A message id (26 letters and digits).")]
Since = Annotated[
    str | None,
    Field(
        description="Only messages sent within this span ('10m', '2h', '3d') or after an ISO "
        "time ('2026-11-25T12:00:00Z')."
    ),
]


async def bounded(session: AgentSession, what: str, work: Callable[[], Awaitable[T]]) -> T:
    """`session.call`, its refusals as MCP tool errors (the same line the CLI prints)."""
    try:
        return await session.call(what, work)
    except Refused as exc:
        raise ToolError(str(exc)) from None


class MessagingTools:
    """send_message, reply, fetch_inbox, read_message, read_thread, acknowledge, search_messages."""

    def __init__(self, session: AgentSession) -> None:
        self._s = session

    def register(self, server: MCPServer) -> None:
        for tool in (
            self.send_message,
            self.reply,
            self.fetch_inbox,
            self.read_message,
            self.read_thread,
            self.acknowledge,
            self.search_messages,
        ):
            server.add_tool(tool)

    async def send_message(  # v2-allow: parameters each is a tool argument a model may pass
        self,
        to: Annotated[str, Field(description="The recipient: a configured agent's name.")],
        content: Annotated[
            str, Field(description="The message body, exactly as it should arrive.")
        ],
        priority: Annotated[str, Field(description="urgent, high, normal or low.")] = "normal",
        subject: Annotated[str | None, Field(description="A one-line subject.")] = None,
        tags: Annotated[list[str] | None, Field(description="Short labels.")] = None,
        ack_required: Annotated[
            bool, Field(description="Ask the recipient to acknowledge.")
        ] = False,
        ack_within: Annotated[
            float | None, Field(description="Seconds the recipient has to acknowledge.")
        ] = None,
    ) -> Sent:
        """Send a message from you to another agent; it starts a new thread. Returns the message
        id once the message is stored for good. Answer an existing message with `reply`."""
        options = {"priority": priority, "subject": subject, "tags": tags or ()}
        options |= {"ack_required": ack_required, "ack_within": ack_within}
        me = self._s.agent
        message_id = await bounded(
            self._s, "send_message", lambda: self._s.bus.send(me, to, content, **options)
        )
        return Sent(message_id=message_id, thread_id=message_id, to_agent=to)

    async def reply(
        self,
        message_id: MessageId,
        content: Annotated[str, Field(description="The reply body.")],
        to: Annotated[
            list[str] | None,
            Field(description="Recipients in the thread (default: the other side of message_id)."),
        ] = None,
    ) -> Replied:
        """Answer a message in its thread: to its sender (or to its recipient, if you wrote it),
        or to `to`, others in the thread. A reply is not an acknowledgement."""
        done = await bounded(
            self._s, "reply", lambda: self._s.bus.reply(message_id, self._s.agent, content, to)
        )
        return Replied(
            thread_id=done.thread_id, reply_to=done.reply_to, message_ids=done.message_ids
        )

    async def fetch_inbox(
        self,
        unread_only: Annotated[bool, Field(description="Only messages never opened.")] = True,
        limit: Annotated[int, Field(description="At most this many (1 to 10,000).")] = 20,
        since: Since = None,
        include_bodies: Annotated[
            bool, Field(description="Include each body; without them nothing is marked read.")
        ] = True,
    ) -> InboxView:
        """Your messages, newest first, with thread ids and read/ack state. Opening a message
        here (with its body) marks it read. An inbox that cannot be read is an error."""
        me = self._s.agent

        async def work() -> Inbox:
            when = parse_since(since) if since else None
            return await self._s.bus.read(
                me, me, unread=unread_only, peek=not include_bodies, limit=limit, since=when
            )

        inbox = await bounded(self._s, "fetch_inbox", work)
        shown = [MessageView.of(m, body=include_bodies) for m in inbox.messages]
        return InboxView(agent=me, count=len(shown), messages=shown, marked_read=inbox.marked)

    async def read_message(self, message_id: MessageId) -> MessageView:
        """One message to or from you, with its body; reading a message to you marks it read."""

        async def work() -> MessageView:
            message = await self._s.own_message(message_id)
            if message.to_agent == self._s.agent and message.read_at is None:
                await self._s.bus.opened([message.message_id], self._s.agent)
                message = await self._s.bus.get(message.message_id)
            return MessageView.of(message)

        return await bounded(self._s, "read_message", work)

    async def read_thread(
        self,
        thread_id: Annotated[str, Field(description="The thread's id, or any message's in it.")],
    ) -> ThreadView:
        """A whole thread you take part in, in send order; the messages to you count as read."""

        async def work() -> ThreadView:
            thread = await self._s.bus.thread(thread_id)
            self._s.check_in_thread(thread.participants, thread.thread_id)
            mine = [m.message_id for m in thread.messages if m.to_agent == self._s.agent]
            if await self._s.bus.opened(mine, self._s.agent):
                thread = await self._s.bus.thread(thread.thread_id)
            return ThreadView(
                thread_id=thread.thread_id,
                subject=thread.subject,
                participants=thread.participants,
                messages=[MessageView.of(m) for m in thread.messages],
                truncated=thread.truncated,
            )

        return await bounded(self._s, "read_thread", work)

    async def acknowledge(
        self,
        message_id: MessageId,
        note: Annotated[str | None, Field(description="A short note: 'done', 'on it'.")] = None,
    ) -> Acknowledged:
        """Acknowledge a message sent to you (only its recipient may); again changes nothing."""
        done = await bounded(
            self._s, "acknowledge", lambda: self._s.bus.ack(message_id, self._s.agent, note)
        )
        message = done.message
        return Acknowledged(
            message_id=message.message_id,
            acknowledged_now=done.acknowledged_now,
            acked_at=message.acked_at,
            note=message.ack_note,
        )

    async def search_messages(
        self,
        query: Annotated[str, Field(description="Words or characters to find, matched literally.")],
        limit: Annotated[int, Field(description="At most this many hits (1-100).")] = 20,
        agent: Annotated[
            str | None, Field(description="Only messages between you and this agent.")
        ] = None,
        since: Since = None,
    ) -> SearchView:
        """Search the subjects and bodies of your messages (to or from you); best match first,
        each with a snippet. Nothing found is an empty list; a failed search is an error."""
        result = await bounded(
            self._s, "search_messages", lambda: self._search(query, limit, agent, since)
        )
        hits = [
            Hit(message=MessageView.of(h.message), score=h.score, snippet=h.snippet)
            for h in result.hits
        ]
        return SearchView(query=result.query, method=result.method, hits=hits)

    async def _search(
        self, query: str, limit: int, agent: str | None, since: str | None
    ) -> SearchResult:
        from swarmbus.model.conversations import SearchFilters

        me, bus = self._s.agent, self._s.bus
        when = parse_since(since) if since else None
        if agent is None:
            return await bus.search(query, SearchFilters(agent=me, since=when), limit)
        other = bus.check_sender(agent, label="agent")
        found = await bus.search(query, SearchFilters(agent=me, since=when), 100)
        hits = [h for h in found.hits if other in (h.message.from_agent, h.message.to_agent)]
        return found.model_copy(update={"hits": hits[:limit]})
