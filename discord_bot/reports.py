"""The read-only commands: /agents, /status, /health, /messages, /compliance, /reservations."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from swarmbus.bus.audits import Audits
from swarmbus.discord_bot import embeds
from swarmbus.discord_bot.arguments import (
    AGENT_MAX_CHARS,
    MESSAGES_DEFAULT,
    MESSAGES_MAX,
    MessagesArguments,
    ReservationsArguments,
    parse,
)
from swarmbus.discord_bot.context import context_of
from swarmbus.discord_bot.invocation import invocation_of
from swarmbus.discord_bot.replies import reply
from swarmbus.discord_bot.steering import agent_choices
from swarmbus.model import timefmt
from swarmbus.model.messages import DeliveryStatus

RECENT_DELIVERIES = 5  # deliveries listed by /status
WORST_COMPONENTS = 5  # components listed by /compliance


async def agents(interaction: discord.Interaction[Any]) -> None:
    """The registry with each agent's transport, state and queue depth."""
    report = await context_of(interaction).bus.status()
    await reply(interaction, embed=embeds.agents_embed(report))


async def status(interaction: discord.Interaction[Any]) -> None:
    """Queue depth by status, dead letters, last deliveries."""
    bus = context_of(interaction).bus
    report = await bus.status()
    recent = await bus.recent_deliveries(RECENT_DELIVERIES)
    await reply(interaction, embed=embeds.status_embed(report, recent, timefmt.utcnow()))


async def health(interaction: discord.Interaction[Any]) -> None:
    """Every system's heartbeat: age, health score, errors; stale ones marked."""
    report = await context_of(interaction).bus.status()
    await reply(interaction, embed=embeds.health_embed(report.systems))


@app_commands.describe(
    agent="Only messages to or from this agent",
    status="Only messages in this delivery status",
    limit=f"How many, newest first (1-{MESSAGES_MAX}, default {MESSAGES_DEFAULT})",
)
@app_commands.autocomplete(agent=agent_choices)
async def messages(
    interaction: discord.Interaction[Any],
    agent: app_commands.Range[str, 1, AGENT_MAX_CHARS] | None = None,
    status: DeliveryStatus | None = None,
    limit: app_commands.Range[int, 1, MESSAGES_MAX] = MESSAGES_DEFAULT,
) -> None:
    """The latest messages, filtered by agent and status."""
    bus = context_of(interaction).bus
    args = parse(MessagesArguments, agent=agent, status=status, limit=limit)
    if args.agent is not None:
        invocation_of(interaction).agent_id = bus.agent(args.agent).name
    found = await bus.messages(agent=args.agent, status=args.status, limit=args.limit)
    filters = "".join(f" · {v}" for v in (args.agent, args.status) if v)
    await reply(interaction, embed=embeds.messages_embed(found, filters, timefmt.utcnow()))


async def compliance(interaction: discord.Interaction[Any]) -> None:
    """The latest V2 compliance audit run (the auditor writes it)."""
    latest = await Audits(context_of(interaction).bus).latest(WORST_COMPONENTS)
    await reply(interaction, embed=embeds.compliance_embed(latest.run, latest.worst))


@app_commands.describe(agent="Only this agent's reservations")
@app_commands.autocomplete(agent=agent_choices)
async def reservations(
    interaction: discord.Interaction[Any],
    agent: app_commands.Range[str, 1, AGENT_MAX_CHARS] | None = None,
) -> None:
    """Live file reservations: who holds which paths, why, and for how long."""
    bus = context_of(interaction).bus
    args = parse(ReservationsArguments, agent=agent)
    if args.agent is not None:
        invocation_of(interaction).agent_id = bus.agent(args.agent).name
    found = await bus.reservations(agent=args.agent)
    await reply(interaction, embed=embeds.reservations_embed(found, args.agent, timefmt.utcnow()))
