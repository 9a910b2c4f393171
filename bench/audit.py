"""Auditor speed: files per second over a large real Python tree (the standard library).

Measures discovery plus analysis (parse, rules, symbols, imports) and the
scoring of every file against the import graph, without a database write; then
full `run_audit`s with their rows stored, for the end-to-end time.

Usage: python bench/audit.py [PATH] [--runs 3]   (PATH defaults to the stdlib)
"""

from __future__ import annotations

import argparse
import sys
import sysconfig
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).parent))
from common import median, print_table, temp_swarm

from swarmbus.agents.auditor import files
from swarmbus.agents.auditor.analysis import analyze_all
from swarmbus.agents.auditor.rules import DEFAULT_EXCLUDE, AuditRules
from swarmbus.agents.auditor.runner import AuditRequest, build_report, run_audit
from swarmbus.bus.api import Bus

# the standard library itself: what pip installed into it is not
RULES = AuditRules(include=("**/*.py",), exclude=(*DEFAULT_EXCLUDE, "site-packages/**"))


def analyse(root: Path) -> tuple[int, float, int]:
    """(files, seconds, violations) for discovery, analysis and scoring."""
    started = time.perf_counter()
    sources = files.discover(root, RULES)
    results = analyze_all(sources, RULES)
    report = build_report(results, AuditRequest(root, RULES), "bench")
    elapsed = time.perf_counter() - started
    return len(sources), elapsed, sum(row.violations_found for row in report.rows)


async def stored(root: Path) -> tuple[int, float]:
    """(rows, seconds) for a whole `run_audit`, rows written to a fresh database."""
    async with await Bus.open(temp_swarm(agents=1)) as bus:
        started = time.perf_counter()
        report = await run_audit(bus.db, AuditRequest(root, RULES))
        return len(report.rows), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(args.path)
    runs = [analyse(root) for _ in range(args.runs)]
    count, violations = runs[0][0], runs[0][2]
    seconds = median(run[1] for run in runs)
    full = [anyio.run(stored, root) for _ in range(args.runs)]
    rows, total = full[0][0], median(run[1] for run in full)
    print_table(
        f"auditing {root} ({count:,} Python files), median of {args.runs}",
        ["what", "seconds", "files/s"],
        [
            ["discover + analyse + score", f"{seconds:.2f}", f"{count / seconds:,.0f}"],
            [f"full run_audit, {rows:,} rows stored", f"{total:.2f}", f"{count / total:,.0f}"],
        ],
    )
    print(f"\n{violations:,} violations found; target: the stdlib in under 10 s: {seconds:.1f} s")


if __name__ == "__main__":
    main()
