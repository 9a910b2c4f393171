"""The conversation commands: /reply, /thread, /search.

A Discord user is a person: a /reply is sent as `discord:<user>` and routed
by the bus's rules (to the other end of the message answered, or `to` people
in the thread; a person may join any thread). Thread bodies and search
results are shown only to whoever asked, whatever `public_replies` says:
they hold the swarm's traffic.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from swarmbus.discord_bot.arguments import (
    AGENT_MAX_CHARS,
    MESSAGE_ID_MAX_CHARS,
    MESSAGE_MAX_CHARS,
    QUERY_MAX_CHARS,
    SEARCH_DEFAULT,
    SEARCH_MAX,
    TO_MAX_CHARS,
    ReplyArguments,
    SearchArguments,
    ThreadArguments,
    parse,
)
from swarmbus.discord_bot.context import context_of
from swarmbus.discord_bot.conversation_embeds import reply_line, search_embed, thread_embed
from swarmbus.discord_bot.invocation import invocation_of
from swarmbus.discord_bot.replies import reply as answer
from swarmbus.discord_bot.steering import agent_choices, sender_of
from swarmbus.model import timefmt
from swarmbus.model.conversations import SearchFilters


@app_commands.describe(
    message_id="The id of the message you answer",
    message="The text, exactly as they should see it",
    to="People in the thread, comma-separated (default: the other end of that message)",
)
async def reply(
    interaction: discord.Interaction[Any],
    message_id: app_commands.Range[str, 1, MESSAGE_ID_MAX_CHARS],
    message: app_commands.Range[str, 1, MESSAGE_MAX_CHARS],
    to: app_commands.Range[str, 1, TO_MAX_CHARS] | None = None,
) -> None:
    """Answer a message in its thread, as discord:<you>."""
    context = context_of(interaction)
    invocation = invocation_of(interaction)
    args = parse(ReplyArguments, message_id=message_id, message=message, to=to)
    sent = await context.bus.reply(
        args.message_id, sender_of(interaction.user), args.message, args.recipients,
        tags=("discord",),
    )  # fmt: skip
    names = list(sent.message_ids)
    invocation.agent_id = names[0] if len(names) == 1 else invocation.agent_id
    invocation.record(**sent.model_dump(include={"thread_id", "reply_to", "message_ids"}))
    await answer(interaction, reply_line(sent.message_ids, sent.thread_id, sent.reply_to))


@app_commands.describe(message_id="The id of any message in the thread")
async def thread(
    interaction: discord.Interaction[Any],
    message_id: app_commands.Range[str, 1, MESSAGE_ID_MAX_CHARS],
) -> None:
    """A whole thread, in order, with who read and acknowledged what (shown only to you)."""
    invocation_of(interaction).ephemeral = True  # bodies: only for whoever asked
    args = parse(ThreadArguments, message_id=message_id)
    found = await context_of(interaction).bus.thread(args.message_id)
    invocation_of(interaction).record(thread_id=found.thread_id, messages=len(found.messages))
    await answer(interaction, embed=thread_embed(found, timefmt.utcnow()), ephemeral=True)


@app_commands.describe(
    query="The words or characters to find, as written (no search syntax)",
    agent="Only messages to or from this agent",
    hits=f"How many, best first (1-{SEARCH_MAX}, default {SEARCH_DEFAULT})",
)
@app_commands.autocomplete(agent=agent_choices)
async def search(
    interaction: discord.Interaction[Any],
    query: app_commands.Range[str, 1, QUERY_MAX_CHARS],
    agent: app_commands.Range[str, 1, AGENT_MAX_CHARS] | None = None,
    hits: app_commands.Range[int, 1, SEARCH_MAX] = SEARCH_DEFAULT,
) -> None:
    """Find messages by their text; results are shown only to you."""
    invocation = invocation_of(interaction)
    invocation.ephemeral = True  # the swarm's traffic: only for whoever asked
    args = parse(SearchArguments, query=query, agent=agent, hits=hits)
    bus = context_of(interaction).bus
    if args.agent is not None:
        invocation.agent_id = bus.agent(args.agent).name
    result = await bus.search(args.query, SearchFilters(agent=args.agent), args.hits)
    invocation.record(hits=[h.message.message_id for h in result.hits], method=result.method)
    await answer(interaction, embed=search_embed(result, timefmt.utcnow()), ephemeral=True)
