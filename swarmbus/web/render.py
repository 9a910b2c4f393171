"""HTML from Jinja2 templates, escaped everywhere.

Autoescaping is on for every template, so whatever a sender wrote (a body
with `<script>`, an agent's focus, an error text) is shown as text and never
runs; the templates never mark user text safe. Control characters are shown
as escapes (`\\x1b`), as the CLI's tables do, so a body cannot hide or
reorder what is around it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from swarmbus.model import timefmt
from swarmbus.printable import visible


def environment() -> Environment:
    """The dashboard's templates, with its filters."""
    env = Environment(
        loader=PackageLoader("swarmbus.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        ago=ago, clock=clock, shown=shown, preview=preview, pretty=pretty, clipped=clipped
    )
    env.filters["minutes"] = span
    env.filters["marked"] = marked
    return env


def ago(moment: datetime | str | None, now: datetime | None = None) -> str:
    """`12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`; `never` for None."""
    if moment is None:
        return "never"
    if isinstance(moment, str):
        moment = timefmt.from_text(moment)
    return f"{span(((now or timefmt.utcnow()) - moment).total_seconds())} ago"


def span(seconds: float) -> str:
    """A stretch of time, roughly: `40 s`, `12 min`, `3 h`, `2 d`."""
    seconds = max(0.0, seconds)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size:.0f} {unit}"
    return f"{seconds:.0f} s"


def clock(moment: datetime | str | None) -> str:
    """The stored UTC text of a time ('' for None), for `<time datetime=…>` and titles."""
    if moment is None:
        return ""
    return moment if isinstance(moment, str) else timefmt.to_text(moment)


def shown(text: Any) -> str:
    """Text with control characters as escapes, line breaks and tabs kept."""
    return "" if text is None else visible(str(text), keep_lines=True)


def preview(text: str, width: int = 80) -> str:
    """One line of at most `width` characters, control characters escaped."""
    line = visible(" ".join(str(text).split()))
    return line if len(line) <= width else line[: width - 1] + "…"


def pretty(value: Any) -> str:
    """A JSON value laid out for reading ('' for None)."""
    if value is None:
        return ""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


CLIPPED_CHARS = 2000  # characters of a body shown in a thread (the message's page has it all)


def clipped(text: str, most: int = CLIPPED_CHARS) -> str:
    """At most `most` characters of `text`, an ellipsis marking the cut."""
    return text if len(text) <= most else text[:most] + "…"


def marked(snippet: str, spans: list[Any]) -> Markup:
    """A search snippet with each hit in `<mark>`; every piece escaped (and its control
    characters shown as escapes) on its own, so a hit never splits an escape."""
    pieces: list[str] = []
    done = 0
    for span in spans:
        pieces.append(str(escape(visible(snippet[done : span.start]))))
        pieces.append(f"<mark>{escape(visible(snippet[span.start : span.end]))}</mark>")
        done = span.end
    pieces.append(str(escape(visible(snippet[done:]))))
    return Markup("".join(pieces))
