"""The Bus: the one API every face (CLI, Discord, MCP, web) and every script calls.

Each operation a face offers is one typed method here, so each rule (who may
send, what a listing may ask for, what counts as a dead letter) is written
once. Methods stay thin: heavier work lives in the modules they name.

`send` returns a message id only after the row is committed: an acknowledged
message survives any crash that follows. Concurrent sends in one process share
transactions (group commit); every committed batch wakes the dispatchers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Unpack

from swarmbus import errors
from swarmbus.agents import registry
from swarmbus.agents.config import AgentConfig, Swarm
from swarmbus.bus import requests
from swarmbus.bus.api_conversations import ConversationMethods
from swarmbus.bus.api_people import PersonMethods
from swarmbus.bus.api_reservations import ReservationMethods
from swarmbus.bus.api_swarm import SwarmMethods
from swarmbus.bus.opening import open_swarm_database
from swarmbus.bus.outbox import Outbox, Place, compose
from swarmbus.bus.requests import SendOptions
from swarmbus.bus.signal import Signal
from swarmbus.lifecycle import AsyncResource
from swarmbus.model import ids
from swarmbus.model.messages import Message
from swarmbus.storage.database import Database
from swarmbus.storage.messages import Paging

EARLIEST = datetime.fromisoformat("1970-01-01T00:00:00+00:00")  # before any stored time


@dataclass(frozen=True)
class Broadcast:
    """The rows one broadcast wrote: one per recipient, sharing `broadcast_id`."""

    broadcast_id: str
    message_ids: dict[str, str]  # recipient -> message id
    created: bool


# v2-allow: class_methods the public façade: one method per operation of every face
class Bus(AsyncResource, ConversationMethods, PersonMethods, SwarmMethods, ReservationMethods):
    """Send, list, look up and requeue the messages of one swarm, and read its state.

    Open one with `Bus.open(swarm)` or `swarmbus.open_bus()`, use it as
    `async with`. `configured` holds the config's agents by name; `location`
    is the database (passwords left out).
    """

    def __init__(self, db: Database, swarm: Swarm) -> None:
        self.db = db  # storage, for the bus's own services; faces call the methods
        self.swarm = swarm
        self.settings = swarm.config.bus
        self.configured: dict[str, AgentConfig] = swarm.agents
        self.location = db.location
        self.outbox = Outbox(db)
        self.sent: Signal = self.outbox.sent

    @classmethod
    async def open(cls, swarm: Swarm, *, create: bool = True) -> Bus:
        """Open the swarm's database (migrating it) and sync the agent registry.

        `create=False` for callers that only read: a missing database is then
        refused (`DatabaseMissing`) instead of created empty.
        """
        db = await open_swarm_database(swarm, create=create)
        try:
            await registry.sync(db, swarm)
        except BaseException:
            await db.close()
            raise
        return cls(db, swarm)

    async def close(self) -> None:
        await self.db.close()

    # ------------------------------------------------------------ sending

    async def send(
        self, from_agent: str, to_agent: str, content: str, **options: Unpack[SendOptions]
    ) -> str:
        """Store one message for `to_agent`; return its id once committed.

        Options: `priority` (urgent, high, normal, low), `tags`,
        `idempotency_key` (a repeat from the same sender stores nothing and
        returns the first id), `expires_in` (seconds).
        """
        agent = self.agent(to_agent)
        envelope = requests.envelope(from_agent, options)
        requests.check_content(content, self.settings.max_message_bytes)
        stored = await self.outbox.store(
            compose(envelope, agent, content, self.settings.max_retries)
        )
        return stored.message_id

    async def broadcast(
        self,
        from_agent: str,
        content: str,
        recipients: Sequence[str] | None = None,
        **options: Unpack[SendOptions],
    ) -> Broadcast:
        """Store one message per recipient in one transaction.

        Recipients default to every configured agent except the sender.
        """
        envelope = requests.envelope(from_agent, options)
        requests.check_content(content, self.settings.max_message_bytes)
        names = _recipients(self.configured, from_agent, recipients)
        agents = [self.agent(name) for name in names]
        broadcast_id = ids.new_id()
        rows = [
            compose(envelope, a, content, self.settings.max_retries, Place(broadcast_id))
            for a in agents
        ]
        stored = await self.outbox.store_all(rows)
        created = any(s.created for s in stored)
        if not created:  # a repeat of an earlier broadcast: report that one
            first = await self.db.messages.get(stored[0].message_id)
            broadcast_id = (first.broadcast_id if first else None) or broadcast_id
        message_ids = {a.name: s.message_id for a, s in zip(agents, stored, strict=True)}
        return Broadcast(broadcast_id, message_ids, created)

    def agent(self, name: str) -> AgentConfig:
        """The configured agent called `name`, or `UnknownAgent`."""
        return self.configured.get(name) or self.swarm.agent(name)

    def check_sender(self, name: str, *, label: str = "sender") -> str:
        """Accept a sender who can be answered: a configured agent, `person` or `swarmbus`,
        or an identity with ':' or '@' (`discord:alice`); else `UnknownAgent` naming `label`."""
        return requests.check_sender(name, self.configured, label)

    # ------------------------------------------------------------ messages

    async def get(self, message_id: str) -> Message:
        """The message with this id, or `UnknownMessage`."""
        normalized = message_id.strip().upper()
        message = await self.db.messages.get(normalized) if ids.is_valid(normalized) else None
        if message is None:
            raise errors.UnknownMessage(
                f"no message has id {message_id!r}; list ids with 'swarmbus messages'"
            )
        return message

    async def messages(
        self,
        agent: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        broadcast_id: str | None = None,
        **page: Unpack[Paging],
    ) -> list[Message]:
        """Messages to or from `agent`, in a delivery `status`, sent at or after `since`,
        of one broadcast; newest first, at most `limit` (1 to 10,000, default 50). `before`
        (a message id) pages on: only messages stored before that one."""
        limit = page.get("limit", 50)
        before = page.get("before")
        requests.check_status(status)
        requests.check_limit(limit)
        if agent is not None:
            self.agent(agent)
        position = None if before is None else requests.check_position(before)
        return await self.db.messages.list(
            agent=agent,
            status=status,
            since=since,
            broadcast_id=broadcast_id,
            limit=limit,
            before=position,
        )

    async def dead_letters(
        self, since: datetime | None = None, after_id: str = "", limit: int = 100
    ) -> list[Message]:
        """Dead letters that failed after the position (`since`, `after_id`), oldest first:
        a watcher passes the last one it saw and gets only the new ones."""
        requests.check_limit(limit)
        return await self.db.messages.dead_letters_since(since or EARLIEST, after_id, limit)

    async def recent_deliveries(self, limit: int = 10) -> list[Message]:
        """The latest delivered messages, newest first."""
        requests.check_limit(limit)
        return await self.db.messages.recent_deliveries(limit)

    async def retry(self, message_id: str, by: str | None = None) -> Message:
        """Requeue one dead letter with a fresh set of attempts; `by` (who asks, a sender
        such as `web:alice`) is noted on the row as `requeued_by`."""
        requester = None if by is None else requests.check_requester(by, self.configured)
        message = await self.get(message_id)
        if not await self.db.claims.requeue(message.message_id, requeued_by=requester):
            raise errors.UsageError(
                f"message {message.message_id} is {message.delivery_status}; "
                f"only failed messages (dead letters) can be retried"
            )
        self.outbox.announce()
        return await self.get(message.message_id)

    async def retry_all_failed(self, agent: str | None = None, by: str | None = None) -> list[str]:
        """Requeue every dead letter (of one recipient, if given), noting `by` as `retry` does."""
        requester = None if by is None else requests.check_requester(by, self.configured)
        if agent is not None:
            self.agent(agent)
        requeued = await self.db.claims.requeue(to_agent=agent, requeued_by=requester)
        if requeued:
            self.outbox.announce()
        return requeued


def _recipients(
    agents: dict[str, AgentConfig], sender: str, names: Sequence[str] | None
) -> list[str]:
    chosen = (
        list(dict.fromkeys(names))
        if names is not None
        else [name for name in agents if name != sender]
    )
    if not chosen:
        raise errors.InvalidMessage(
            f"broadcast from {sender!r} has no recipients; configured agents: {', '.join(agents)}"
        )
    return chosen
