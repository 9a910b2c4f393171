"""Reading finished messages for statistics (an agent's coordination efficiency, the
delivery latency trend)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from swarmbus.model import timefmt
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector


class DeliveryHistory:
    """Read-only SQL over finished `agent_messages` rows."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def finished_to(self, agent_id: str, limit: int) -> list[dict[str, Any]]:
        """The latest finished messages to `agent_id`: status, retries, sent and processed times."""
        params = {"agent_id": agent_id, "limit": limit}
        return await self._db.fetch_all(self._q["finished_messages_to_agent"], params)

    async def delivered_since(self, since: datetime, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` messages delivered at or after `since`, newest first: when each was
        sent and processed, and how long its transport took."""
        params = {"since": timefmt.to_text(since), "limit": limit}
        return await self._db.fetch_all(self._q["deliveries_since"], params)

    async def last_deliveries(self) -> dict[str, datetime]:
        """{recipient: when its latest delivered message was delivered}, for agents with one."""
        rows = await self._db.fetch_all(self._q["last_delivery_by_recipient"])
        return {
            row["to_agent"]: timefmt.from_text(row["last_delivery"])
            for row in rows
            if row["last_delivery"] is not None
        }
