"""`swarmbus search`: full-text search of every message's subject and body.

The query is one plain phrase, matched literally and case-insensitively:
quotes, `*`, `-`, `NEAR`, parentheses are searched as the characters they
are. Nothing found says so (exit 0); a search that fails is an error (exit 1),
never an empty listing.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, state
from swarmbus.cli.params import parse_since


@handle_errors
def search(  # v2-allow: parameters typer maps each parameter to a command-line option
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="The words or characters to find, as written.")],
    agent: Annotated[str | None, typer.Option(help="Only messages to or from this agent.")] = None,
    sender: Annotated[str | None, typer.Option("--from", help="Only messages from him.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Sent within (10m, 2h) or after an ISO time.")
    ] = None,
    thread: Annotated[str | None, typer.Option(help="Only this thread (any id in it).")] = None,
    status: Annotated[
        str | None, typer.Option(help="pending, claimed, retrying, delivered, failed or expired.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="At most this many.")] = 20,
    as_json: bool = JsonOption,
) -> None:
    """Find messages whose subject or body contains QUERY; best match first, each with a
    snippet around the hit."""
    from swarmbus.model.conversations import SearchFilters

    swarm = state(ctx).swarm()
    when = parse_since(since) if since else None
    filters = SearchFilters(agent, sender, when, thread, status)
    result = run(_search, swarm, query, filters, limit)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    _print_result(result)


def _print_result(result: Any) -> None:
    from swarmbus.cli.cards import header
    from swarmbus.model import timefmt
    from swarmbus.printable import visible

    out = console()
    shown = visible(result.query)
    if not result.hits:
        out.print(f"no messages match {shown!r}", markup=False, highlight=False)
        return
    now = timefmt.utcnow()
    for hit in result.hits:
        out.print(header(hit.message, now), markup=False, highlight=False)
        out.print(_snippet(hit), highlight=False)
        out.print()
    out.print(_summary(result, shown), markup=False, highlight=False)


def _snippet(hit: Any) -> Any:
    """The snippet indented, its hits in bold (plain text when not on a terminal)."""
    from rich.text import Text

    from swarmbus.printable import visible

    text = Text("  ")
    done = 0
    for span in hit.highlights:  # each piece escaped on its own, so the hits stay in place
        text.append(visible(hit.snippet[done : span.start]))
        text.append(visible(hit.snippet[span.start : span.end]), style="bold reverse")
        done = span.end
    text.append(visible(hit.snippet[done:]))
    return text


def _summary(result: Any, shown: str) -> str:
    count = f"{len(result.hits)} message{'s' if len(result.hits) != 1 else ''} match {shown!r}"
    if result.method == "scan":
        return (
            f"{count}; under 3 characters, looked for in the latest {result.scanned:,} "
            f"messages only, newest first"
        )
    return f"{count}; best first among the newest {result.ranked_among} matches"


async def _search(swarm: Any, query: str, filters: Any, limit: int) -> Any:
    from swarmbus.bus.api import Bus

    async with await Bus.open(swarm, create=False) as bus:
        return await bus.search(query, filters, limit)
