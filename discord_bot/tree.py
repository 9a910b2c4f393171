"""The command tree: every invocation passes its allowlist check and ends in one ledger row.

A refusal is raised (`NotAllowed`), never returned as False: the tree stops
silently on False, and then neither the error handler nor the ledger would run.
Success is recorded by the bot's `app_command_completion` listener.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import discord
from discord import app_commands

from swarmbus.discord_bot.auth import NotAllowed, is_allowed
from swarmbus.discord_bot.context import context_of
from swarmbus.discord_bot.failures import classify
from swarmbus.discord_bot.invocation import begin, command_name
from swarmbus.discord_bot.replies import defer_if_slow, reply

logger = logging.getLogger(__name__)


class SwarmTree(app_commands.CommandTree[Any]):
    """A `CommandTree` with default-deny authorization and the ledger on every outcome."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        context = context_of(interaction)
        name = command_name(interaction)
        allowed = is_allowed(context.config, name, interaction.user)
        if interaction.type is discord.InteractionType.autocomplete:
            if not allowed:  # typing is not an invocation: no row, just no suggestions
                await interaction.response.autocomplete([])
            return allowed
        invocation = begin(interaction)
        invocation.ephemeral = not context.config.public_replies
        if not allowed:
            raise NotAllowed(name, interaction.user.id)
        delay = context.options.defer_after_seconds
        invocation.deferral = context.spawn(
            functools.partial(defer_if_slow, interaction, delay),
            name=f"follow-up defer {invocation.command_id}",
        )
        return True

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /
    ) -> None:
        if interaction.type is discord.InteractionType.autocomplete:
            logger.warning("autocomplete failed: %s", error, extra={"action": "autocomplete_error"})
            return
        failure = classify(error)
        if failure.unexpected:
            logger.error(
                "/%s crashed: %s",
                command_name(interaction),
                failure.verdict.error,
                exc_info=error,
                extra={"action": "command_crashed"},
            )
        try:
            await reply(interaction, failure.line, ephemeral=True)
        except discord.HTTPException as exc:
            logger.warning(
                "could not answer /%s: %s",
                command_name(interaction),
                exc,
                extra={"action": "reply_failed"},
            )
        finally:
            await context_of(interaction).conclude(
                interaction, failure.verdict, unexpected=failure.unexpected
            )
