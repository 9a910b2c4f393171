"""Answering an interaction, and noting what the user saw for the ledger.

Every answer is ephemeral (shown only to the invoker) unless `[discord]
public_replies` is set, because whoever reads the channel need not be on any
allowlist; refusals and errors are ephemeral always. The tree sets each
invocation's default before the command runs, so a deferral ("thinking…") is
exactly as visible as the answer that replaces it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from swarmbus.discord_bot.invocation import RESPONSE_CHARS, Invocation, invocation_of
from swarmbus.discord_bot.redaction import hide_paths, hide_paths_in_embed
from swarmbus.discord_bot.text import CONTENT_LIMIT, clip

SHOWN_PRIVATELY = "🔒 The answer was shown only to whoever ran the command."


async def reply(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    ephemeral: bool | None = None,
) -> None:
    """Send the response (or a follow-up, if the response was already sent or deferred).

    `ephemeral=None` follows the invocation's default (the config's choice).
    Server paths are hidden from what is sent, and from what the ledger says
    was shown (its error column keeps the full text).
    """
    invocation = invocation_of(interaction)
    private = invocation.ephemeral if ephemeral is None else ephemeral
    kwargs: dict[str, Any] = {"ephemeral": private}
    if content:
        kwargs["content"] = content = clip(hide_paths(content), CONTENT_LIMIT)
    if embed is not None:
        kwargs["embed"] = embed = hide_paths_in_embed(embed)
    invocation.shown = clip(shown_text(content, embed), RESPONSE_CHARS)
    async with invocation.answering:
        if interaction.response.is_done():
            await _follow_up(interaction, invocation, kwargs)
        else:
            await interaction.response.send_message(**kwargs)
        invocation.ephemeral = private


async def _follow_up(
    interaction: discord.Interaction[Any], invocation: Invocation, kwargs: dict[str, Any]
) -> None:
    """Answer after a deferral, keeping a private answer private.

    The first follow-up replaces the "thinking…" message and keeps the
    deferral's visibility, so a private answer (an error) to a public deferral
    first turns that message into a neutral line; the answer then is a message
    of its own, shown only to the invoker.
    """
    if invocation.deferred and kwargs["ephemeral"] and not invocation.ephemeral:
        await interaction.edit_original_response(content=SHOWN_PRIVATELY)
    await interaction.followup.send(**kwargs)


async def defer_if_slow(interaction: discord.Interaction[Any], delay: float) -> None:
    """Acknowledge the interaction if no reply came within `delay` seconds.

    Discord drops an interaction that gets no answer within 3 seconds; a slow
    database must not turn into "The application did not respond". The
    deferral is as visible as the answer is meant to be.
    """
    await asyncio.sleep(delay)
    invocation = invocation_of(interaction)
    async with invocation.answering:
        if not interaction.response.is_done():
            await interaction.response.defer(thinking=True, ephemeral=invocation.ephemeral)
            invocation.deferred = True


async def edit_reply(interaction: discord.Interaction[Any], content: str) -> None:
    """Replace the text of the response (the /send outcome), server paths hidden."""
    content = clip(hide_paths(content), CONTENT_LIMIT)
    await interaction.edit_original_response(content=content)
    invocation_of(interaction).shown = clip(content, RESPONSE_CHARS)


def shown_text(content: str | None, embed: discord.Embed | None) -> str:
    """A reply as plain text: the content, then the embed's title, text and fields."""
    parts = [content] if content else []
    if embed is not None:
        parts += [embed.title or "", embed.description or ""]
        parts += [f"{field.name}: {field.value}" for field in embed.fields]
        parts.append(embed.footer.text or "")
    return "\n".join(part for part in parts if part)
