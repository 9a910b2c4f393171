"""Printing the side tables of bench/throughput.py: writers, history, memory, PostgreSQL."""

from __future__ import annotations

import argparse

import writers
from common import print_table

RAW_POSTGRES = "raw asyncpg cycle, minimal table"
RAW_POSTGRES_KEY = f"postgres|{RAW_POSTGRES}"  # a "|": not a row of the SQLite table


def dispatchers_case(count: int) -> str:
    """The row of swarmbus with `count` dispatcher processes (throughput.py measures it)."""
    return f"swarmbus, {count} dispatcher process(es)"


ONE_SENDER = dispatchers_case(1)


def print_side(results: dict[str, float]) -> None:
    if "writers|sends/s" in results:
        rate, busy = results["writers|sends/s"], results["writers|lock errors"]
        once = "yes" if results["writers|delivered once"] == 1.0 else "NO"
        raw = results["writers|raw sends/s"]
        print(
            f"\ntarget 5, {writers.PROCESSES} producer processes: {rate:,.0f} sends/s "
            f"(target >= 10,000; raw sqlite3 inserts into the same schema from as many "
            f"processes, nothing delivered: {raw:,.0f}/s), {busy:.0f} lock errors "
            f"(target 0), every message delivered once: {once}; write-ahead log file at the end "
            f"{results['writers|log MiB']:,.0f} MiB"
        )
    if "paced|swarmbus p50 ms" in results:
        print_table(
            f"paced senders: {writers.PACED_PROCESSES} processes each sending every "
            f"{writers.PACED_GAP * 1000:g} ms while a dispatcher delivers; how long a send took",
            ["sender", "p50 ms", "p90 ms", "p99 ms"],
            [[label, *(f"{results[f'paced|{key} p{p} ms']:.2f}" for p in ("50", "90", "99"))]
             for key, label in (("swarmbus", "swarmbus send()"),
                                ("raw", "raw sqlite3 insert, SQLite's busy handler"))],
        )  # fmt: skip
    for backend in ("SQLite", "PostgreSQL"):
        points = {
            k.split("|")[2]: v for k, v in results.items() if k.startswith(f"history|{backend}|")
        }
        if points:
            empty = points["empty table"]
            print_table(
                f"target 2, {backend}: claim + settle, microseconds per message "
                "(8 lane heads a claim)",
                ["table holds", "us/msg", "vs empty (target <= 120%)"],
                [[label, f"{v:,.0f}", f"{v / empty:.0%}"] for label, v in points.items()],
            )
        rss = [
            (k.split("|")[2], v) for k, v in results.items() if k.startswith(f"memory|{backend}|")
        ]
        if rss:
            print(
                f"\ntarget 7, {backend}: dispatcher RSS {rss[0][1]:.1f} MiB {rss[0][0]}, "
                f"{rss[1][1]:.1f} MiB {rss[1][0]} messages: growth {rss[1][1] - rss[0][1]:+.1f} "
                f"MiB (target <= 10 MiB)"
            )  # fmt: skip


def print_postgres(results: dict[str, float], args: argparse.Namespace) -> None:
    cases = list(dict.fromkeys(k.split("|")[0] for k in results if k.endswith(("|one", "|many"))))
    _print_peers(results, args, cases)
    one, raw, peer = (
        results[f"{ONE_SENDER}|one"], results[RAW_POSTGRES_KEY], results["pgqueuer, defaults|one"]
    )  # fmt: skip
    print(
        f"target 4, PostgreSQL: one sequential sender, {ONE_SENDER} {one:,.0f} msgs/s: "
        f"{one / raw:.0%} of the {RAW_POSTGRES} ({raw:,.0f}/s, insert durable, claim and "
        f"deliver not waiting for the disk; server CPU {_server(results, RAW_POSTGRES_KEY)} "
        f"µs a message), {one / peer:.2f}x pgqueuer's defaults ({peer:,.0f}/s; target: ahead)"
    )


def _server(results: dict[str, float], key: str) -> str:
    value = results.get(f"{key}|server")
    return "n/a" if value is None else f"{value:,.0f}"


def _print_peers(results: dict[str, float], args: argparse.Namespace, cases: list[str]) -> None:
    print_table(
        f"PostgreSQL, end to end, jobs/s ({args.sequential:,} jobs for one sequential sender, "
        f"{args.messages:,} for many concurrent senders), median of {args.runs}; the server's "
        f"CPU per job (all its processes, bench/server_cpu.py)",
        ["producer", "one sequential sender", "many concurrent senders", "server CPU µs, one",
         "server CPU µs, many"],
        [[c, f"{results[c + '|one']:,.0f}", f"{results[c + '|many']:,.0f}",
          _server(results, c + "|one"), _server(results, c + "|many")] for c in cases],
    )  # fmt: skip
    for shape in ("one", "many"):
        best = max(
            (v, c) for c in cases if not c.startswith("swarmbus") for v in [results[f"{c}|{shape}"]]
        )
        for c in cases:
            if c.startswith("swarmbus"):
                print(
                    f"target 6 ({shape}): {c}: {results[f'{c}|{shape}'] / best[0]:.2f}x "
                    f"the best peer ({best[1]})"
                )
