"""The Bus: what agents, scripts and the bot call to send and inspect messages.

`send` returns a message id only after the row is committed: an acknowledged
message survives any crash that follows. Concurrent sends in one process share
transactions (group commit); every committed batch wakes the dispatchers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from swarmbus import errors
from swarmbus.agents import registry
from swarmbus.agents.config import AgentConfig, Swarm
from swarmbus.bus import requests, wakeup
from swarmbus.bus.batching import GroupCommit
from swarmbus.storage import ids, timefmt
from swarmbus.storage.database import Database, open_database
from swarmbus.storage.messages import (
    CoordinateStatus,
    DeliveryMethod,
    Message,
    NewMessage,
    Stored,
)

METHOD_OF_TRANSPORT: dict[str, DeliveryMethod] = {
    "gui": "pyautogui",
    "inbox": "inbox",
    "memory": "memory",
}


@dataclass(frozen=True)
class Broadcast:
    """The rows one broadcast wrote: one per recipient, sharing `broadcast_id`."""

    broadcast_id: str
    message_ids: dict[str, str]  # recipient -> message id
    created: bool


class Bus:
    """Send, broadcast, look up and requeue messages of one swarm."""

    def __init__(self, db: Database, swarm: Swarm) -> None:
        self.db = db
        self.swarm = swarm
        self.settings = swarm.config.bus
        self.agents: dict[str, AgentConfig] = swarm.agents
        self.sent = wakeup.Signal()  # set after every commit, for in-process dispatchers
        self._sends: GroupCommit[NewMessage, Stored] = GroupCommit(self._store)

    @classmethod
    async def open(cls, swarm: Swarm) -> Bus:
        """Open the swarm's database (migrating it) and sync the agent registry."""
        db = await open_database(
            swarm.database,
            synchronous=swarm.config.database.synchronous,
            busy_timeout_ms=swarm.config.database.busy_timeout_ms,
        )
        try:
            await registry.sync(db, swarm)
        except BaseException:
            await db.close()
            raise
        return cls(db, swarm)

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Bus:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ------------------------------------------------------------ sending

    async def send(
        self,
        from_agent: str,
        to_agent: str,
        content: str,
        priority: str = "normal",
        tags: Sequence[str] = (),
        idempotency_key: str | None = None,
        expires_in: float | None = None,
    ) -> str:
        """Store one message for `to_agent`; return its id once committed.

        A repeated `idempotency_key` from the same sender stores nothing and
        returns the first message's id.
        """
        agent = self.agent(to_agent)
        envelope = requests.envelope(
            from_agent=from_agent,
            priority=priority,
            tags=tuple(tags),
            idempotency_key=idempotency_key,
            expires_in=expires_in,
        )
        requests.check_content(content, self.settings.max_message_bytes)
        stored = await self._sends.submit(self._new_message(envelope, agent, content))
        return stored.message_id

    async def broadcast(
        self,
        from_agent: str,
        content: str,
        *,
        recipients: Sequence[str] | None = None,
        priority: str = "normal",
        tags: Sequence[str] = (),
        idempotency_key: str | None = None,
        expires_in: float | None = None,
    ) -> Broadcast:
        """Store one message per recipient in one transaction.

        Recipients default to every configured agent except the sender.
        """
        envelope = requests.envelope(
            from_agent=from_agent,
            priority=priority,
            tags=tuple(tags),
            idempotency_key=idempotency_key,
            expires_in=expires_in,
        )
        requests.check_content(content, self.settings.max_message_bytes)
        names = (
            list(dict.fromkeys(recipients))
            if recipients is not None
            else [name for name in self.agents if name != from_agent]
        )
        if not names:
            raise errors.InvalidMessage(
                f"broadcast from {from_agent!r} has no recipients; "
                f"configured agents: {', '.join(self.agents)}"
            )
        agents = [self.agent(name) for name in names]
        broadcast_id = ids.new_id()
        rows = [
            self._new_message(
                envelope,
                agent,
                content,
                broadcast_id=broadcast_id,
                # one key per row: the unique index is (sender, key)
                key=f"{idempotency_key}/{agent.name}" if idempotency_key else None,
            )
            for agent in agents
        ]
        stored = await self.db.messages.insert(rows)
        self._announce()
        created = any(s.created for s in stored)
        if not created:
            first = await self.db.messages.get(stored[0].message_id)
            broadcast_id = (first.broadcast_id if first else None) or broadcast_id
        return Broadcast(
            broadcast_id,
            {a.name: s.message_id for a, s in zip(agents, stored, strict=True)},
            created,
        )

    def _new_message(
        self,
        envelope: requests.Envelope,
        agent: AgentConfig,
        content: str,
        *,
        broadcast_id: str | None = None,
        key: str | None = None,
    ) -> NewMessage:
        coordinate_status: CoordinateStatus = (
            "pending" if agent.transport == "gui" else "not_applicable"
        )
        expires_at: datetime | None = None
        if envelope.expires_in is not None:
            expires_at = timefmt.utcnow() + timedelta(seconds=envelope.expires_in)
        return NewMessage(
            from_agent=envelope.from_agent,
            to_agent=agent.name,
            content=content,
            priority=envelope.priority,
            tags=envelope.tags,
            delivery_method=METHOD_OF_TRANSPORT[agent.transport],
            coordinate_validation_status=coordinate_status,
            max_retries=self.settings.max_retries,
            idempotency_key=key if broadcast_id else envelope.idempotency_key,
            broadcast_id=broadcast_id,
            expires_at=expires_at,
        )

    async def _store(self, batch: list[NewMessage]) -> list[Stored]:
        stored = await self.db.messages.insert(batch)
        self._announce()
        return stored

    def _announce(self) -> None:
        self.sent.set()
        wakeup.notify(self.db.location)

    # ------------------------------------------------------------ looking up

    def agent(self, name: str) -> AgentConfig:
        """The configured agent called `name`, or `UnknownAgent`."""
        agent = self.agents.get(name)
        if agent is None:
            known = ", ".join(self.agents) or "none"
            raise errors.UnknownAgent(f"unknown agent {name!r}; configured agents: {known}")
        return agent

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
        if not await self.db.messages.requeue(message.message_id):
            raise errors.UsageError(
                f"message {message.message_id} is {message.delivery_status}; "
                f"only failed messages (dead letters) can be retried"
            )
        self._announce()
        return await self.get(message.message_id)

    async def retry_all_failed(self, agent: str | None = None) -> list[str]:
        """Requeue every dead letter (of one recipient, if given)."""
        if agent is not None:
            self.agent(agent)
        requeued = await self.db.messages.requeue_all_failed(agent)
        if requeued:
            self._announce()
        return requeued
