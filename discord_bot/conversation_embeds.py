"""The embeds of /thread and /search: each message's route, where it stands, and its text."""

from __future__ import annotations

from datetime import datetime

import discord
from discord.utils import escape_markdown

from swarmbus.discord_bot.embeds import INFO, LIST_LIMIT
from swarmbus.discord_bot.text import ago, clip, fit_lines, inline
from swarmbus.model.conversations import SearchHit, SearchResult, Thread
from swarmbus.model.messages import Message

PREVIEW_CHARS = 160  # characters of a body shown per message of a thread
SNIPPET_CHARS = 200  # characters of a search snippet


def standing(message: Message, now: datetime) -> str:
    """`delivered · read · ack overdue`: the delivery, reading and ack states, all three."""
    words = [message.delivery_status, message.reading]
    if message.ack_required and message.acked_at is None:
        words.append("⏰ ack overdue" if message.ack_overdue(now) else "ack awaited")
    return " · ".join(words)


def _route(message: Message, now: datetime) -> str:
    return (
        f"`{message.message_id}` {inline(message.from_agent, 40)} → "
        f"{inline(message.to_agent, 40)} · {standing(message, now)} · "
        f"{ago((now - message.sent_at).total_seconds())} ago"
    )


def thread_embed(thread: Thread, now: datetime) -> discord.Embed:
    """/thread: every message in send order, with its states and the start of its text."""
    subject = f" · {inline(thread.subject, 100)}" if thread.subject else ""
    embed = discord.Embed(title=clip(f"Thread {thread.thread_id}{subject}", 256), colour=INFO)
    lines = [f"{_route(m, now)}\n> {inline(m.content, PREVIEW_CHARS)}" for m in thread.messages]
    embed.description = fit_lines(lines, LIST_LIMIT, "more messages")
    people = ", ".join(thread.participants)
    more = " (first ones only)" if thread.truncated else ""
    embed.set_footer(text=clip(f"{len(thread.messages)} messages{more} · {people}", 2048))
    return embed


def _safe(piece: str) -> str:
    """Untrusted text inside a markdown line: no code spans, mentions or markup of its own."""
    return escape_markdown(piece.replace("`", "'").replace("@", "@\u200b"))


def _snippet(hit: SearchHit) -> str:
    """The snippet on one line, the matching text in bold."""
    text, done, parts = hit.snippet[:SNIPPET_CHARS], 0, []
    for span in hit.highlights:
        if span.end > len(text):
            break
        parts += [_safe(text[done : span.start]), f"**{_safe(text[span.start : span.end])}**"]
        done = span.end
    parts.append(_safe(text[done:]))
    return "".join(parts) + ("…" if len(hit.snippet) > SNIPPET_CHARS else "")


def search_embed(result: SearchResult, now: datetime) -> discord.Embed:
    """/search: the hits, best first, each with its route, states and snippet."""
    shown = inline(result.query, 100)
    embed = discord.Embed(title=clip(f"Search: {shown}", 256), colour=INFO)
    lines = [f"{_route(hit.message, now)}\n> {_snippet(hit)}" for hit in result.hits]
    embed.description = fit_lines(lines, LIST_LIMIT, "more hits") or "No messages match."
    if result.method == "scan":
        note = f"under 3 characters: the latest {result.scanned:,} messages, newest first"
    else:
        note = f"best first among the newest {result.ranked_among} matches"
    count = f"{len(result.hits)} hit{'s' if len(result.hits) != 1 else ''}"
    embed.set_footer(text=f"{count} · {note}")
    return embed


def reply_line(message_ids: dict[str, str], thread_id: str, reply_to: str) -> str:
    """What /reply answers: where the reply went, and in which thread."""
    routes = ", ".join(f"**{inline(name, 40)}** (`{new}`)" for name, new in message_ids.items())
    return f"↩️ Reply to `{reply_to}` in thread `{thread_id}` stored for {routes}."
