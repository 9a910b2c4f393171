"""The Bus: what agents, scripts and the bot call to send and inspect messages.

`send` returns a message id only after the row is committed: an acknowledged
message survives any crash that follows. Concurrent sends in one process share
transactions (group commit); every committed batch wakes the dispatchers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Unpack

from swarmbus import errors
from swarmbus.agents import registry
from swarmbus.agents.config import AgentConfig, Swarm
from swarmbus.bus import requests
from swarmbus.bus.outbox import Outbox, compose
from swarmbus.bus.requests import SendOptions
from swarmbus.bus.signal import Signal
from swarmbus.lifecycle import AsyncResource
from swarmbus.model import ids
from swarmbus.model.messages import Message
from swarmbus.storage.database import Database, open_database


@dataclass(frozen=True)
class Broadcast:
    """The rows one broadcast wrote: one per recipient, sharing `broadcast_id`."""

    broadcast_id: str
    message_ids: dict[str, str]  # recipient -> message id
    created: bool


class Bus(AsyncResource):
    """Send, broadcast, look up and requeue the messages of one swarm."""

    def __init__(self, db: Database, swarm: Swarm) -> None:
        self.db = db
        self.swarm = swarm
        self.settings = swarm.config.bus
        self.agents: dict[str, AgentConfig] = swarm.agents
        self.outbox = Outbox(db)
        self.sent: Signal = self.outbox.sent

    @classmethod
    async def open(cls, swarm: Swarm, *, create: bool = True) -> Bus:
        """Open the swarm's database (migrating it) and sync the agent registry.

        `create=False` for callers that only read: a missing database is then
        refused (`DatabaseMissing`) instead of created empty.
        """
        db = await open_database(
            swarm.database,
            synchronous=swarm.config.database.synchronous,
            busy_timeout_ms=swarm.config.database.busy_timeout_ms,
            create=create,
        )
        try:
            await registry.sync(db, swarm)
        except BaseException:
            await db.close()
            raise
        return cls(db, swarm)

    async def close(self) -> None:
        await self.db.close()

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
        agents = [self.agent(name) for name in _recipients(self.agents, from_agent, recipients)]
        broadcast_id = ids.new_id()
        rows = [
            compose(envelope, a, content, self.settings.max_retries, broadcast_id) for a in agents
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
        return self.agents.get(name) or self.swarm.agent(name)

    async def get(self, message_id: str) -> Message:
        """The message with this id, or `UnknownMessage`."""
        normalized = message_id.strip().upper()
        message = await self.db.messages.get(normalized) if ids.is_valid(normalized) else None
        if message is None:
            raise errors.UnknownMessage(
                f"no message has id {message_id!r}; list ids with 'swarmbus messages'"
            )
        return message

    async def retry(self, message_id: str) -> Message:
        """Requeue one dead letter with a fresh set of attempts."""
        message = await self.get(message_id)
        if not await self.db.claims.requeue(message.message_id):
            raise errors.UsageError(
                f"message {message.message_id} is {message.delivery_status}; "
                f"only failed messages (dead letters) can be retried"
            )
        self.outbox.announce()
        return await self.get(message.message_id)

    async def retry_all_failed(self, agent: str | None = None) -> list[str]:
        """Requeue every dead letter (of one recipient, if given)."""
        if agent is not None:
            self.agent(agent)
        requeued = await self.db.claims.requeue(to_agent=agent)
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
