"""One slash-command invocation, from the allowlist check to its `discord_commands` row.

The tree's check starts an `Invocation` and keeps it in `interaction.extras`;
replies note what the user saw; the error handler or the completion event
turns it into exactly one ledger row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import discord

from swarmbus.model import ids, timefmt
from swarmbus.model.commands import CommandType, DiscordCommand, ExecutionStatus
from swarmbus.model.commands import ValidationStatus as Validation

EXTRAS_KEY = "swarmbus.invocation"
SWARM_AGENT = "swarm"  # agent_id of rows about the whole swarm rather than one agent
RESPONSE_CHARS = 2000  # characters of the reply kept in discord_bot_response
OPTION_CHARS = 4000  # characters kept of one option value in command_data
COMMAND_TYPES: dict[str, CommandType] = {
    "send": "task_assignment",
    "broadcast": "coordination",
    "retry": "coordination",
    "reply": "coordination",
}  # every other command only reads: status_check
PRIORITY_RANKS = {"low": 0, "normal": 1, "high": 2, "urgent": 3}  # -> command_priority


@dataclass
class Invocation:
    """What is known about one invocation until its row is written."""

    command_id: str = field(default_factory=ids.new_id)
    started_at: datetime = field(default_factory=timefmt.utcnow)
    started_ms: float = field(default_factory=timefmt.monotonic_ms)
    agent_id: str = SWARM_AGENT
    priority: int = 1
    shown: str = ""  # what the user saw
    ephemeral: bool = True  # shown only to the invoker (the tree applies public_replies)
    deferred: bool = False  # acknowledged with "thinking…" before the answer was ready
    result: dict[str, Any] = field(default_factory=dict)  # what the command produced
    after: Callable[[], Awaitable[None]] | None = None  # runs once the row is written
    answering: asyncio.Lock = field(default_factory=asyncio.Lock)  # reply vs. the deferral
    deferral: asyncio.Task[None] | None = None  # acknowledges a slow command in time

    def record(self, **values: Any) -> None:
        """Add to what the command produced (merged, so nothing recorded earlier is lost)."""
        self.result.update(values)

    def response_data(self) -> dict[str, Any]:
        """The row's `response_data`: what the command produced, and how it answered.

        How it answered comes from the invocation's own fields, never from
        `result`, so a command cannot overwrite it.
        """
        return {**self.result, "deferred": self.deferred, "ephemeral": self.ephemeral}


@dataclass(frozen=True)
class Verdict:
    """How an invocation ended, in the ledger's words."""

    status: ExecutionStatus
    validation: Validation
    error: str | None = None


SUCCESS = Verdict("success", "valid")


def begin(interaction: discord.Interaction[Any]) -> Invocation:
    """Start tracking `interaction` (its clock starts now)."""
    invocation = Invocation()
    interaction.extras[EXTRAS_KEY] = invocation
    return invocation


def invocation_of(interaction: discord.Interaction[Any]) -> Invocation:
    """The invocation started by the tree's check (or a fresh one, should it be missing)."""
    found = interaction.extras.get(EXTRAS_KEY)
    return found if isinstance(found, Invocation) else begin(interaction)


def command_name(interaction: discord.Interaction[Any]) -> str:
    data: Any = interaction.data or {}
    return str(data.get("name") or "?")


def arguments(interaction: discord.Interaction[Any]) -> dict[str, Any]:
    """The options exactly as Discord sent them (before any conversion), clipped."""
    data: Any = interaction.data or {}
    options: dict[str, Any] = {}
    for option in data.get("options") or []:
        value = option.get("value")
        options[str(option.get("name"))] = value[:OPTION_CHARS] if isinstance(value, str) else value
    return options


def ledger_row(interaction: discord.Interaction[Any], verdict: Verdict) -> DiscordCommand:
    """The `discord_commands` row for a finished invocation."""
    invocation = invocation_of(interaction)
    name = command_name(interaction)
    user = interaction.user
    return DiscordCommand(
        command_id=invocation.command_id,
        agent_id=invocation.agent_id,
        command_type=COMMAND_TYPES.get(name, "status_check"),
        command_data={"command": name, "options": arguments(interaction)},
        channel_id=_text(interaction.channel_id),
        user_id=_text(user.id if user else None),
        user_name=user.name if user else None,
        guild_id=_text(interaction.guild_id),
        executed_at=invocation.started_at,
        execution_status=verdict.status,
        response_data=invocation.response_data(),
        command_priority=invocation.priority,
        execution_time_ms=max(0, round(timefmt.monotonic_ms() - invocation.started_ms)),
        error_message=verdict.error,
        discord_bot_response=invocation.shown[:RESPONSE_CHARS] or None,
        command_validation_status=verdict.validation,
        command_name=name,
    )


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)
