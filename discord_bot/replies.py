"""Answering an interaction, and noting what the user saw for the ledger."""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from swarmbus.discord_bot.invocation import RESPONSE_CHARS, invocation_of
from swarmbus.discord_bot.text import CONTENT_LIMIT, clip


async def reply(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    ephemeral: bool = False,
) -> None:
    """Send the response (or a follow-up, if the response was already sent or deferred)."""
    invocation = invocation_of(interaction)
    kwargs: dict[str, Any] = {"ephemeral": ephemeral}
    if content:
        kwargs["content"] = content = clip(content, CONTENT_LIMIT)
    if embed is not None:
        kwargs["embed"] = embed
    invocation.shown = clip(shown_text(content, embed), RESPONSE_CHARS)
    async with invocation.answering:
        # the answer to a deferral replaces the public "thinking" message: never ephemeral
        invocation.ephemeral = ephemeral and not invocation.deferred
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)


async def defer_if_slow(interaction: discord.Interaction[Any], delay: float) -> None:
    """Acknowledge the interaction if no reply came within `delay` seconds.

    Discord drops an interaction that gets no answer within 3 seconds; a slow
    database must not turn into "The application did not respond". After a
    deferral the reply arrives as a follow-up, which can no longer be ephemeral.
    """
    await asyncio.sleep(delay)
    invocation = invocation_of(interaction)
    async with invocation.answering:
        if not interaction.response.is_done():
            await interaction.response.defer(thinking=True)
            invocation.deferred = True


async def edit_reply(interaction: discord.Interaction[Any], content: str) -> None:
    """Replace the text of the response (the /send outcome)."""
    content = clip(content, CONTENT_LIMIT)
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
