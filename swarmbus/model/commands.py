"""A Discord command invocation: one row of the `discord_commands` ledger."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from swarmbus.model import ids, timefmt
from swarmbus.model.types import JsonObject, UtcTime

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
