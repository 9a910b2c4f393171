"""Who may run which command: the `[discord]` allowlists, default deny.

Roles are read from the member's roles in the cached guild (the bot keeps the
guilds intent for that); in a DM, or if the guild is not cached, only user ids
can match, so a refusal is the safe failure.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from swarmbus.agents.config import DiscordConfig


class NotAllowed(app_commands.CheckFailure):
    """A refused invocation. Raised, not returned, so the error handler and the ledger run."""

    def __init__(self, command: str, user_id: int) -> None:
        super().__init__(f"You are not allowed to use /{command}.")
        self.command = command
        self.user_id = user_id

    @property
    def reason(self) -> str:
        return f"user {self.user_id} is not on the allowlist for /{self.command}"


def role_ids(user: discord.User | discord.Member) -> list[int]:
    """The ids of the roles `user` holds, as far as the cache knows (none in a DM)."""
    roles: list[Any] = getattr(user, "roles", None) or []
    return [role.id for role in roles]


def is_allowed(config: DiscordConfig, command: str, user: discord.User | discord.Member) -> bool:
    """Whether any allowlist that covers `command` admits `user` by id or by role."""
    held = role_ids(user)
    return any(allowlist.admits(user.id, held) for allowlist in config.allowlist(command))
