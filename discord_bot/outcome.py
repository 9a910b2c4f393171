"""After /send: watch the message until it is delivered, failed or the wait runs out, then say so.

Runs after the ledger row is written (see `BotContext.conclude`), edits the
reply, and updates the row's `discord_bot_response` to the edited text.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import discord

from swarmbus.bus.api import Bus
from swarmbus.discord_bot.context import BotContext
from swarmbus.discord_bot.invocation import invocation_of
from swarmbus.discord_bot.replies import edit_reply
from swarmbus.discord_bot.text import inline
from swarmbus.model.messages import Message

logger = logging.getLogger(__name__)

FINAL_STATUSES = frozenset({"delivered", "failed", "expired"})


async def watch_delivery(
    context: BotContext, interaction: discord.Interaction[Any], message_id: str
) -> None:
    """Edit the /send reply with the message's fate and record the edit in the ledger."""
    timeout = context.config.outcome_timeout_seconds
    poll = context.options.outcome_poll_seconds
    message = await wait_for_outcome(context.bus, message_id, timeout, poll)
    invocation = invocation_of(interaction)
    try:
        await edit_reply(interaction, f"{invocation.shown}\n{outcome_line(message, timeout)}")
    except discord.HTTPException as exc:
        logger.warning(
            "could not edit the /send reply for %s: %s",
            message_id,
            exc,
            extra={"action": "send_outcome_edit_failed"},
        )
        return
    invocation.record(outcome=message.delivery_status)
    await context.ledger.update_response(
        invocation.command_id, invocation.shown, invocation.response_data()
    )


async def wait_for_outcome(bus: Bus, message_id: str, timeout: float, poll: float) -> Message:
    """The message once it settled, or as it is when `timeout` seconds have passed."""
    with anyio.move_on_after(timeout):
        while True:
            message = await bus.get(message_id)
            if message.delivery_status in FINAL_STATUSES:
                return message
            await anyio.sleep(poll)
    return await bus.get(message_id)


def outcome_line(message: Message, timeout: float) -> str:
    """One line on the fate of a message, for a phone screen."""
    status = message.delivery_status
    if status == "delivered":
        took = f" in {message.delivery_time_ms} ms" if message.delivery_time_ms is not None else ""
        return f"✅ Delivered to {message.to_agent}{took}."
    if status == "failed":
        error = inline(message.last_error or "no error recorded", 300)
        return (
            f"❌ Failed after {message.retry_count} attempts: {error}. "
            f"`/retry {message.message_id}` requeues it."
        )
    if status == "expired":
        return "⌛ Expired before it could be delivered."
    attempts = f", {message.retry_count} failed attempts so far" if message.retry_count else ""
    return f"⏳ Still {status} after {timeout:g}s{attempts}; `/messages` shows how it goes."
