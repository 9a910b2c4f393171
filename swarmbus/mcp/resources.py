"""Resources, for clients that browse rather than call tools: the agent's inbox, a thread,
a message, the agents. Each is JSON, read under the same rules as the tools: only
the server's own inbox, messages to or from it, threads it takes part in. Reading
a resource marks nothing read (a client may prefetch it; the agent did not open it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from mcp.server.mcpserver.exceptions import ResourceError
from pydantic import BaseModel

from swarmbus import errors
from swarmbus.mcp.session import AgentSession, Refused
from swarmbus.mcp.swarm import _agent
from swarmbus.mcp.views import AgentsView, InboxView, MessageView, ThreadView

if TYPE_CHECKING:
    from mcp.server import MCPServer

T = TypeVar("T")
INBOX_LISTED = 50  # messages the inbox resource lists
JSON = "application/json"


async def _read(session: AgentSession, what: str, work: Callable[[], Awaitable[BaseModel]]) -> str:
    try:
        return (await session.call(what, work)).model_dump_json(indent=2)
    except Refused as exc:
        raise ResourceError(str(exc)) from None


class Resources:
    """The four resources, bound to one session's agent."""

    def __init__(self, session: AgentSession) -> None:
        self._s = session

    def register(self, server: MCPServer) -> None:
        server.resource("swarmbus://inbox/{agent}", mime_type=JSON)(self.inbox)
        server.resource("swarmbus://thread/{thread_id}", mime_type=JSON)(self.thread)
        server.resource("swarmbus://message/{message_id}", mime_type=JSON)(self.message)
        server.resource("swarmbus://agents", mime_type=JSON)(self.agents)

    async def inbox(self, agent: str) -> str:
        """Your latest messages, newest first (only your own inbox can be read)."""
        me, bus = self._s.agent, self._s.bus

        async def work() -> InboxView:
            if agent != me:
                raise errors.NotRecipient(f"this server is {me}; it reads only {me}'s inbox")
            found = await bus.read(me, me, peek=True, limit=INBOX_LISTED)
            shown = [MessageView.of(m) for m in found.messages]
            return InboxView(agent=me, count=len(shown), messages=shown, marked_read=[])

        return await _read(self._s, "inbox", work)

    async def thread(self, thread_id: str) -> str:
        """A thread you take part in, in send order."""

        async def work() -> ThreadView:
            found = await self._s.bus.thread(thread_id)
            self._s.check_in_thread(found.participants, found.thread_id)
            return ThreadView(
                thread_id=found.thread_id,
                subject=found.subject,
                participants=found.participants,
                messages=[MessageView.of(m) for m in found.messages],
                truncated=found.truncated,
            )

        return await _read(self._s, "thread", work)

    async def message(self, message_id: str) -> str:
        """One message to or from you."""

        async def work() -> MessageView:
            return MessageView.of(await self._s.own_message(message_id))

        return await _read(self._s, "message", work)

    async def agents(self) -> str:
        """Every agent: status, focus, waiting messages."""

        async def work() -> AgentsView:
            return AgentsView(agents=[_agent(line) for line in (await self._s.bus.status()).agents])

        return await _read(self._s, "agents", work)
