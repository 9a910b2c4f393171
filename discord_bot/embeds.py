"""The embeds of the read-only commands, built from plain data and kept inside Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import discord

from swarmbus.bus.status import AgentLine, StatusReport, SystemLine
from swarmbus.discord_bot.text import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELDS_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    ago,
    clip,
    fit_lines,
    inline,
)
from swarmbus.model.audits import ComplianceAudit
from swarmbus.model.messages import Message
from swarmbus.model.reservations import Reservation

OK = discord.Colour.green()
WARN = discord.Colour.orange()
INFO = discord.Colour.blurple()
LIST_LIMIT = 3500  # characters of a list in a description, leaving room for the rest
PREVIEW_CHARS = 80  # characters of a message body shown in /messages


def agents_embed(report: StatusReport) -> discord.Embed:
    """/agents: each agent's transport, state and queue."""
    lines = [
        f"**{a.name}** · {a.transport} · {a.status} · {a.waiting} waiting"
        + (f" · {a.queue['failed']} dead" if a.queue.get("failed") else "")
        + _reported(a)
        for a in report.agents
    ]
    embed = discord.Embed(title=f"Agents ({len(lines)})", colour=INFO)
    embed.description = fit_lines(lines, LIST_LIMIT, "more agents") or "No agents configured."
    return embed


def _reported(agent: AgentLine) -> str:
    """What an agent reported about itself, once it has (`swarmbus agents report`)."""
    if agent.status == "unknown":
        return ""
    focus = f" · {inline(agent.focus, 60)}" if agent.focus else ""
    return (
        f"{focus} · {agent.tasks_completed} tasks · coord {agent.coordination_efficiency:.0f}%"
        f" · V2 {agent.v2_compliance:.0f}%"
    )


def status_embed(report: StatusReport, recent: Sequence[Message], now: datetime) -> discord.Embed:
    """/status: queue depth by status, dead letters, the last deliveries."""
    totals = report.totals
    embed = discord.Embed(title="Swarm status", colour=WARN if report.dead_letters else OK)
    queue = (
        f"{totals['pending']} pending · {totals['claimed']} in delivery · "
        f"{totals['retrying']} retrying"
    )
    embed.add_field(name="Queue", value=queue, inline=False)
    embed.add_field(name="Dead letters", value=str(report.dead_letters))
    embed.add_field(name="Delivered", value=str(totals["delivered"]))
    embed.add_field(name="Expired", value=str(totals["expired"]))
    if report.reservations.get("live"):
        held = report.reservations
        value = f"{held['live']} live · {held['exclusive']} exclusive · /reservations"
        embed.add_field(name="File reservations", value=value, inline=False)
    lines = [
        f"`{m.message_id}` → {m.to_agent} · {ago(_age(m.processed_at, now))} ago"
        + (f" · {m.delivery_time_ms} ms" if m.delivery_time_ms is not None else "")
        for m in recent
    ]
    value = fit_lines(lines, FIELD_VALUE_LIMIT, "more") or "Nothing delivered yet."
    embed.add_field(name="Last deliveries", value=value, inline=False)
    stale = sum(s.stale for s in report.systems)
    embed.set_footer(text=f"{len(report.systems)} systems reporting, {stale} stale · /health")
    return embed


def health_embed(systems: Sequence[SystemLine]) -> discord.Embed:
    """/health: every system's heartbeat age, health score and errors; stale ones marked."""
    stale = [s for s in systems if s.stale]
    embed = discord.Embed(title="Health", colour=WARN if stale else OK)
    if not systems:
        embed.description = "No system has reported yet (start one with 'swarmbus run')."
    for system in systems:
        mark = "⚠️ STALE · " if system.stale else ""
        value = (
            f"{mark}{system.system_status} · health {system.health_score:.0f} · "
            f"{system.error_count} errors · heartbeat {ago(system.age_seconds)} ago"
        )
        if system.detail:
            value += f"\n{inline(system.detail, 200)}"
        name = f"{system.system_name}: {system.system_id}"
        embed.add_field(name=clip(name, FIELD_NAME_LIMIT), value=value, inline=False)
    return bounded(embed, "more systems")


def messages_embed(messages: Sequence[Message], filters: str, now: datetime) -> discord.Embed:
    """/messages: newest first, each with its id (for /retry), route, status and a preview."""
    lines = [
        f"`{m.message_id}` {inline(m.from_agent, 40)} → {m.to_agent} · **{m.delivery_status}**"
        f" · {m.priority} · {ago(_age(m.sent_at, now))} ago\n> {inline(m.content, PREVIEW_CHARS)}"
        for m in messages
    ]
    embed = discord.Embed(title=clip(f"Messages{filters}", 256), colour=INFO)
    embed.description = fit_lines(lines, LIST_LIMIT, "more messages") or "No messages match."
    return embed


def compliance_embed(run: dict[str, Any] | None, worst: Sequence[ComplianceAudit]) -> discord.Embed:
    """/compliance: the latest audit run's summary and its worst components."""
    embed = discord.Embed(title="V2 compliance", colour=INFO)
    if run is None:
        embed.description = "No compliance audit has run yet."
        return embed
    embed.colour = WARN if run["violations"] else OK
    embed.description = f"Run `{run['run_id']}` by {run['auditor_agent']}, {run['audited_at']}"
    embed.add_field(name="Components", value=str(run["components"]))
    embed.add_field(name="Average score", value=f"{run['average_score']:.1f}")
    embed.add_field(name="Violations", value=str(run["violations"]))
    embed.add_field(name="Need refactoring", value=str(run["needing_refactoring"]))
    embed.add_field(name="High priority", value=str(run["high_priority"]))
    lines = [
        f"{inline(a.component_name, 100)} · {a.compliance_score:.0f} · "
        f"{a.violations_found} violations"
        for a in worst
    ]
    if lines:
        value = fit_lines(lines, FIELD_VALUE_LIMIT, "more")
        embed.add_field(name="Worst components", value=value, inline=False)
    return embed


def reservations_embed(
    found: Sequence[Reservation], agent: str | None, now: datetime
) -> discord.Embed:
    """/reservations: soonest expiry first, each with its holder, kind, time left and reason;
    the project by its folder's name (no server path reaches Discord)."""
    lines = [
        f"`{inline(r.pattern, 100)}` · **{r.agent_id}** · {r.kind} · "
        f"{ago((r.expires_at - now).total_seconds())} left · {inline(_folder(r.project), 40)}"
        + (f"\n> {inline(r.reason, PREVIEW_CHARS)}" if r.reason else "")
        for r in found
    ]
    title = f"Reservations ({len(lines)})" + (f" · {agent}" if agent else "")
    embed = discord.Embed(title=clip(title, 256), colour=INFO)
    embed.description = fit_lines(lines, LIST_LIMIT, "more reservations") or "No live reservations."
    return embed


def _folder(project: str) -> str:
    return project.rstrip("/").rsplit("/", 1)[-1] or project


def bounded(embed: discord.Embed, noun: str) -> discord.Embed:
    """Drop trailing fields until the embed fits Discord's limits; say how many were dropped."""
    dropped = 0
    room = EMBED_TOTAL_LIMIT - 100  # characters, keeping space for the footer
    while embed.fields and (len(embed.fields) > EMBED_FIELDS_LIMIT or len(embed) > room):
        embed.remove_field(len(embed.fields) - 1)
        dropped += 1
    if dropped:
        embed.set_footer(text=f"… and {dropped} {noun}")
    if embed.description:
        embed.description = clip(embed.description, EMBED_DESCRIPTION_LIMIT)
    return embed


def _age(moment: datetime | None, now: datetime) -> float:
    return 0.0 if moment is None else (now - moment).total_seconds()
