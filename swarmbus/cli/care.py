"""`swarmbus db check|vacuum|analyze|reindex|prune`: look after the database file."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from swarmbus.cli.common import JsonOption, console, handle_errors, print_json, run, state, table
from swarmbus.cli.params import parse_duration

OlderThanOption = Annotated[
    str, typer.Option("--older-than", help="Prune what finished longer ago than this (30d, 12h).")
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Only count what would go.")]


@handle_errors
def check(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Integrity, foreign keys and a 0-100 health score with the reasons; exit 1 if damaged."""
    report = run(state(ctx).operations().check)
    if as_json:
        print_json(report.as_dict())
    else:
        _show_health(report)
    if report.facts.integrity or report.facts.foreign_keys:
        raise typer.Exit(1)


def _show_health(report: Any) -> None:
    out = console()
    facts = report.facts
    out.print(f"health score   {report.score:g} / 100", markup=False)
    out.print(f"integrity      {'ok' if not facts.integrity else facts.integrity[0]}", markup=False)
    fk = "ok" if not facts.foreign_keys else f"{len(facts.foreign_keys)} orphan rows"
    out.print(f"foreign keys   {fk}", markup=False)
    pages = (
        f"{facts.page_count:,} pages of {facts.page_size:,} bytes, {facts.freelist_count:,} free"
    )
    out.print(f"file           {pages}; journal {facts.journal_mode}", markup=False)
    if report.reasons:
        rows = [[f"{r['points']:g}", r["reason"]] for r in report.reasons]
        out.print(table("why not 100", ["points", "reason"], rows))


def _maintain(ctx: typer.Context, operation: str, as_json: bool) -> None:
    result = run(state(ctx).operations().maintain, operation)
    if as_json:
        print_json(result.as_dict())
        return
    print(
        f"{operation}: {result.size_before:,} -> {result.size_after:,} bytes "
        f"({result.size_after - result.size_before:+,}) in {result.seconds:.3f} s"
    )


@handle_errors
def vacuum(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Rebuild the file without its free pages; size before and after."""
    _maintain(ctx, "vacuum", as_json)


@handle_errors
def analyze(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Refresh the query planner's statistics; size before and after."""
    _maintain(ctx, "analyze", as_json)


@handle_errors
def reindex(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Rebuild every index; size before and after."""
    _maintain(ctx, "reindex", as_json)


@handle_errors
def prune(
    ctx: typer.Context,
    older_than: OlderThanOption,
    dry_run: DryRunOption = False,
    include_unread: Annotated[
        bool,
        typer.Option(
            "--include-unread",
            help="Let delivered messages nobody opened through a face go too (agents that "
            "never run 'swarmbus read', messages from before read receipts).",
        ),
    ] = False,
    as_json: bool = JsonOption,
) -> None:
    """Delete whole threads of delivered and expired messages, ledger and doctor rows older
    than --older-than.

    A thread holding a pending, claimed, retrying or failed message, or one unread or
    unacknowledged, is kept whole.
    """
    age = parse_duration(older_than, what="--older-than")
    result = run(_prune, state(ctx).operations(), age, (dry_run, include_unread))
    if as_json:
        print_json(result.as_dict())
        return
    verb = "would delete" if dry_run else "deleted"
    parts = ", ".join(f"{n:,} {target}" for target, n in result.rows.items())
    print(f"{verb} {parts} (finished before {result.cutoff:%Y-%m-%d %H:%M:%S} UTC)")
    if result.kept_in_open_threads:
        print(
            f"kept {result.kept_in_open_threads:,} finished messages: their threads still hold "
            f"a message in play, a dead letter, or one unread or unacknowledged "
            f"(--include-unread lets unread ones go)"
        )


async def _prune(operations: Any, age: Any, flags: tuple[bool, bool]) -> Any:
    dry_run, include_unread = flags
    return await operations.prune(age, dry_run=dry_run, include_unread=include_unread)
