"""Threads, read receipts and acknowledgements over `agent_messages`.

Every time stored here (read_at, acked_at, overdue_alerted_at) and every
deadline judged here comes from the database's clock, so a host whose clock
is off can neither backdate a receipt nor make an ack overdue early.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from swarmbus.model import timefmt
from swarmbus.model.messages import Message
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector


class ConversationRepository:
    """All SQL of threads, receipts, acks and overdue acks."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def thread(self, thread_id: str, limit: int) -> list[Message]:
        """The thread's messages in send order, at most `limit`."""
        params = {"thread_id": thread_id, "limit": limit}
        rows = await self._db.fetch_all(self._q["thread_messages"], params)
        return [Message.model_validate(row) for row in rows]

    async def participants(self, thread_id: str) -> set[str]:
        """Everyone who wrote in the thread or was written to."""
        rows = await self._db.fetch_all(self._q["thread_participants"], {"thread_id": thread_id})
        return {row["name"] for row in rows}

    async def ensure_person(self, name: str) -> None:
        """The hidden registry row a reply to a person (not an agent) refers to."""
        async with self._db.transaction() as tx:
            await tx.execute(self._q["ensure_person_workspace"], {"agent_id": name})

    async def inbox(
        self, agent: str, *, unread: bool, limit: int, since: datetime | None = None
    ) -> list[Message]:
        """Messages to `agent` (sent at or after `since`), newest first (expired ones left out)."""
        params = {
            "agent": agent,
            "limit": limit,
            "since": timefmt.to_text(since) if since else None,
        }
        query = self._q["inbox_unread"] if unread else self._q["inbox_messages"]
        rows = await self._db.fetch_all(query, params)
        return [Message.model_validate(row) for row in rows]

    async def mark_read(self, agent: str, message_ids: Sequence[str]) -> dict[str, datetime]:
        """Stamp read_at on those of `message_ids` addressed to `agent` and not read before;
        return {id: read_at} of those read for the first time."""
        if not message_ids:
            return {}
        params = {"agent": agent, "message_ids": json.dumps(list(message_ids))}
        async with self._db.transaction() as tx:
            rows = await tx.fetch_all(self._q["mark_read"], params)
        return {row["message_id"]: timefmt.from_text(row["read_at"]) for row in rows}

    async def ack(self, message_id: str, agent: str, note: str | None) -> Message | None:
        """Acknowledge as `agent`; None when it is not the recipient's, or was acked already."""
        params = {"message_id": message_id, "agent": agent, "note": note}
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(self._q["ack_message"], params)
        return None if row is None else Message.model_validate(row)

    async def overdue(self, agent: str | None, limit: int) -> list[Message]:
        """Required acks past their deadline, most overdue first."""
        params = {"agent": agent, "limit": limit}
        rows = await self._db.fetch_all(self._q["overdue_acks"], params)
        return [Message.model_validate(row) for row in rows]

    async def overdue_counts(self) -> dict[str, int]:
        """{recipient: overdue acks}."""
        rows = await self._db.fetch_all(self._q["overdue_counts"])
        return {row["to_agent"]: int(row["n"]) for row in rows}

    async def claim_overdue_alerts(self, limit: int) -> list[Message]:
        """Overdue acks not alerted yet, now marked alerted: each is returned once, ever."""
        async with self._db.transaction() as tx:
            rows = await tx.fetch_all(self._q["claim_overdue_alerts"], {"limit": limit})
        return sorted((Message.model_validate(r) for r in rows), key=lambda m: m.message_id)
