"""What a person is owed, over `agent_messages` (reads only).

Kept apart from `conversations` (which writes receipts): nothing here records a
read, so a face may show these to anyone without touching a recipient's receipts.
"""

from __future__ import annotations

from swarmbus.model.messages import Message
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector


class PersonRepository:
    """The SQL of a person's messages."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def for_person(
        self, name: str, alias: str, before: str | None, limit: int
    ) -> list[Message]:
        """Messages to `name` or `alias`, and replies to what either wrote; newest first."""
        params = {"name": name, "alias": alias, "before": before, "limit": limit}
        rows = await self._db.fetch_all(self._q["messages_for_person"], params)
        return [Message.model_validate(row) for row in rows]
