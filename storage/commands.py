"""The `discord_commands` table: the ledger of every Discord command invocation."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from swarmbus.storage import ids, timefmt
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector
from swarmbus.storage.types import JsonObject, UtcTime, dump_json, row_params

CommandType = Literal["status_check", "task_assignment", "coordination"]
ExecutionStatus = Literal["pending", "success", "failed", "refused"]
ValidationStatus = Literal["pending", "valid", "invalid", "unauthorized"]


class DiscordCommand(BaseModel):
    """One row of `discord_commands`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    command_id: str = Field(default_factory=ids.new_id)
    agent_id: str
    command_type: CommandType
    command_data: JsonObject
    channel_id: str | None = None
    user_id: str | None = None
    executed_at: UtcTime = Field(default_factory=timefmt.utcnow)
    execution_status: ExecutionStatus = "pending"
    response_data: JsonObject | None = None
    controller_status: Literal["active", "inactive", "error"] = "active"
    command_priority: int = Field(default=1, ge=0)
    execution_time_ms: int | None = Field(default=None, ge=0)
    error_message: str | None = None
    discord_bot_response: str | None = None
    command_validation_status: ValidationStatus = "pending"
    command_name: str | None = None
    user_name: str | None = None
    guild_id: str | None = None


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
