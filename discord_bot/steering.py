"""The commands that change the swarm: /send, /broadcast, /retry, and their autocompletes.

Option limits are declared for Discord's client (the registration) and
checked again by the argument models, because discord.py passes anything on.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import discord
from discord import app_commands

from swarmbus import errors
from swarmbus.discord_bot.arguments import (
    AGENT_MAX_CHARS,
    MESSAGE_ID_MAX_CHARS,
    MESSAGE_MAX_CHARS,
    BroadcastArguments,
    RetryArguments,
    SendArguments,
    parse,
)
from swarmbus.discord_bot.context import context_of
from swarmbus.discord_bot.invocation import PRIORITY_RANKS, invocation_of
from swarmbus.discord_bot.outcome import watch_delivery
from swarmbus.discord_bot.redaction import hide_paths
from swarmbus.discord_bot.replies import reply
from swarmbus.discord_bot.text import clip, inline
from swarmbus.model.messages import Message, Priority

CHOICES_LIMIT = 25  # Discord shows at most 25 autocomplete choices
_UNSAFE_SENDER = re.compile(r"[^A-Za-z0-9_.-]")


def sender_of(user: discord.User | discord.Member) -> str:
    """The `from_agent` of messages a Discord user sends: discord:<username>."""
    name = _UNSAFE_SENDER.sub("", user.name)[:48]
    return f"discord:{name or user.id}"


async def agent_choices(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Configured agents whose name contains what was typed, with transport and state."""
    typed = current.strip().lower()
    return [
        app_commands.Choice(
            name=f"{row.agent_id} ({row.transport}, {row.status})", value=row.agent_id
        )
        for row in await context_of(interaction).bus.agents()
        if typed in row.agent_id.lower()
    ][:CHOICES_LIMIT]


async def dead_letter_choices(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Dead letters whose id starts with what was typed (ids are hard to type on a phone)."""
    context = context_of(interaction)
    failed = await context.bus.messages(status="failed", limit=100)
    typed = current.strip().upper()
    return [
        app_commands.Choice(name=_dead_letter_label(m), value=m.message_id)
        for m in failed
        if m.message_id.startswith(typed)
    ][:CHOICES_LIMIT]


def _dead_letter_label(message: Message) -> str:
    """`ID → agent: error`, as one choice line (Discord allows 100 characters)."""
    error = inline(message.last_error or "", 60)
    return clip(hide_paths(f"{message.message_id} → {message.to_agent}: {error}"), 100)


@app_commands.describe(
    agent="The agent that receives the message",
    message="The text, exactly as the agent should see it",
    priority="urgent and high overtake normal and low (default: normal)",
)
@app_commands.autocomplete(agent=agent_choices)
async def send(
    interaction: discord.Interaction[Any],
    agent: app_commands.Range[str, 1, AGENT_MAX_CHARS],
    message: app_commands.Range[str, 1, MESSAGE_MAX_CHARS],
    priority: Priority = "normal",
) -> None:
    """Store a message for one agent, answer with its id, then report its delivery."""
    context = context_of(interaction)
    invocation = invocation_of(interaction)
    args = parse(SendArguments, agent=agent, message=message, priority=priority)
    invocation.agent_id, invocation.priority = args.agent, PRIORITY_RANKS[args.priority]
    message_id = await context.bus.send(
        sender_of(interaction.user),
        args.agent,
        args.message,
        priority=args.priority,
        tags=("discord",),
    )
    invocation.record(message_id=message_id)
    await reply(
        interaction, f"📨 Message `{message_id}` for **{args.agent}** stored ({args.priority})."
    )
    invocation.after = functools.partial(watch_delivery, context, interaction, message_id)


@app_commands.describe(
    message="The text every agent receives",
    priority="urgent and high overtake normal and low (default: normal)",
)
async def broadcast(
    interaction: discord.Interaction[Any],
    message: app_commands.Range[str, 1, MESSAGE_MAX_CHARS],
    priority: Priority = "normal",
) -> None:
    """Store one copy of a message for every configured agent, in one transaction."""
    context = context_of(interaction)
    invocation = invocation_of(interaction)
    args = parse(BroadcastArguments, message=message, priority=priority)
    invocation.priority = PRIORITY_RANKS[args.priority]
    sender = sender_of(interaction.user)
    sent = await context.bus.broadcast(
        sender, args.message, priority=args.priority, tags=("discord",)
    )
    invocation.record(broadcast_id=sent.broadcast_id, message_ids=sent.message_ids)
    names = ", ".join(sent.message_ids)
    await reply(
        interaction,
        f"📣 Broadcast `{sent.broadcast_id}` stored for {len(sent.message_ids)} agents "
        f"({priority}): {names}",
    )


@app_commands.describe(message_id="The id of a failed message (a dead letter)")
@app_commands.autocomplete(message_id=dead_letter_choices)
async def retry(
    interaction: discord.Interaction[Any],
    message_id: app_commands.Range[str, 1, MESSAGE_ID_MAX_CHARS],
) -> None:
    """Requeue a dead letter with a fresh set of attempts."""
    context = context_of(interaction)
    invocation = invocation_of(interaction)
    args = parse(RetryArguments, message_id=message_id)
    try:
        message = await context.bus.retry(args.message_id)
    except errors.UnknownMessage:
        raise errors.UnknownMessage(
            f"no message has id {args.message_id.strip()!r}; /messages lists ids"
        ) from None
    invocation.agent_id = message.to_agent
    invocation.record(message_id=message.message_id)
    await reply(
        interaction,
        f"🔁 Message `{message.message_id}` for **{message.to_agent}** requeued with "
        f"{message.max_retries + 1} fresh attempts.",
    )
