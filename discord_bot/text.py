"""Discord's size limits and the text helpers that keep every reply inside them."""

from __future__ import annotations

from collections.abc import Sequence

CONTENT_LIMIT = 2000  # characters in a message's content
EMBED_TITLE_LIMIT = 256  # characters
EMBED_DESCRIPTION_LIMIT = 4096  # characters
EMBED_FIELDS_LIMIT = 25  # fields per embed
FIELD_NAME_LIMIT = 256  # characters
FIELD_VALUE_LIMIT = 1024  # characters
EMBED_TOTAL_LIMIT = 6000  # characters across title, description, fields and footer
FOOTER_LIMIT = 2048  # characters
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """`text`, cut to at most `limit` characters with an ellipsis when it was longer."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS


def fit_lines(lines: Sequence[str], limit: int, noun: str = "more") -> str:
    """Join as many whole lines as fit in `limit`, then say how many were left out."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        left = len(lines) - index - 1
        tail = len(f"\n… and {left} {noun}") if left else 0
        cost = len(line) + (1 if kept else 0)
        if used + cost + tail > limit:
            return "\n".join([*kept, f"… and {len(lines) - index} {noun}"])[:limit]
        kept.append(line)
        used += cost
    return "\n".join(kept)


def ago(seconds: float) -> str:
    """A short age for a phone screen: 42s, 7m, 3h, 2d."""
    seconds = max(0.0, seconds)
    for size, unit in ((86_400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def inline(text: str, limit: int = 80) -> str:
    """One line of untrusted text, safe to show: no newlines, backticks or mentions."""
    flat = " ".join(text.split()).replace("`", "'").replace("@", "@\u200b")
    return clip(flat, limit)
