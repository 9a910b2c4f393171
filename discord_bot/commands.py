"""The catalogue of slash commands: names, descriptions, callbacks.

Built afresh for each bot (the callbacks are plain functions carrying their
option metadata), so several bots, as in the tests, never share a command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from discord import app_commands

from swarmbus.discord_bot import conversations, reports, steering

CATALOGUE: tuple[tuple[str, str, Callable[..., Any]], ...] = (
    ("send", "Send a message to one agent and see whether it arrives", steering.send),
    ("broadcast", "Send a message to every agent", steering.broadcast),
    ("retry", "Requeue a failed message (a dead letter)", steering.retry),
    ("reply", "Answer a message in its thread", conversations.reply),
    ("agents", "List the agents with their transport, state and queue", reports.agents),
    ("status", "Queues, dead letters and the last deliveries", reports.status),
    ("health", "Every system's heartbeat, health score and errors", reports.health),
    ("messages", "The latest messages, by agent and status", reports.messages),
    ("thread", "A whole thread, with who read and acknowledged what", conversations.thread),
    ("search", "Find messages by their text", conversations.search),
    ("compliance", "The latest V2 compliance audit", reports.compliance),
    ("reservations", "Who holds which files, expiring soonest first", reports.reservations),
)


def build_commands() -> list[app_commands.Command[Any, ..., Any]]:
    """One new `app_commands.Command` per catalogue entry."""
    return [
        app_commands.Command(name=name, description=description, callback=callback)
        for name, description, callback in CATALOGUE
    ]
