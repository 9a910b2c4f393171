"""The `discord_commands` table: the ledger of every Discord command invocation (the row
model is `swarmbus.model.commands.DiscordCommand`)."""

from __future__ import annotations

from typing import Any

from swarmbus.model.commands import DiscordCommand
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector
from swarmbus.storage.rows import dump_json, row_params


class CommandRepository:
    """All SQL on `discord_commands`."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def record(self, command: DiscordCommand) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(self._q["insert_command"], row_params(command))

    async def list(self, limit: int = 50) -> list[DiscordCommand]:
        rows = await self._db.fetch_all(self._q["list_commands"], {"limit": limit})
        return [DiscordCommand.model_validate(row) for row in rows]

    async def update_response(
        self, command_id: str, discord_bot_response: str, response_data: dict[str, Any] | None
    ) -> bool:
        """Replace what a row says the user saw; False if there is no such row."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                self._q["update_command_response"],
                {
                    "command_id": command_id,
                    "discord_bot_response": discord_bot_response,
                    "response_data": dump_json(response_data),
                },
            )
        return changed == 1
