"""File reservations: the commit hook's wall time, and `reserve` under racing processes.

1. The guard. A git repository with 200 staged files and a database holding 500
   live reservations of other agents (400 files, 60 folders, 20 `dir/*.ext` and 20
   `**/name` globs; 5 cover staged files). The installed pre-commit hook runs as
   git runs it (`sh .git/hooks/pre-commit` in the working tree), --runs times:
   once as an agent whose paths are free (allowed), once as one whose 5 are held
   (refused, 5 lines printed). Wall time includes every process start (sh, the
   `swarmbus-guard` script, git diff), beside `python -c pass`. swarmbus is
   byte-compiled first, as a regular install is.
2. `reserve` throughput. 8 processes, one agent each, start together and each
   makes --per-process `Bus.reserve` calls of one pattern: on disjoint paths (all
   granted), then all on the same paths (contended: one winner per path).

Usage: python bench/reservations.py [--runs 20] [--per-process 100] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).parent))
from cli_start import byte_compile, wall_ms
from common import drop_postgres, median, percentile, print_table, temp_postgres, temp_swarm

from swarmbus.agents import config as swarm_config
from swarmbus.bus.api import Bus

STAGED = 200
BLOCKED = 5
BIN = str(Path(sys.executable).parent)  # swarmbus and swarmbus-guard


def git(folder: Path, *args: str, index: Path | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b"}
    env |= {"GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b"}
    if index is not None:
        env["GIT_INDEX_FILE"] = str(index)
    subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)


def make_repository(swarm_path: Path) -> tuple[Path, Path]:
    """A repository with the guard installed (block mode) and two indexes of 200 staged
    files: the repository's own, where 5 are held by another agent, and one with none held."""
    root = Path(tempfile.mkdtemp(prefix="swarmbus-bench-repo-"))
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("bench\n")
    git(root, "add", "README.md")
    git(root, "commit", "-q", "-m", "start")
    free = [f"src/app/module_{n}.py" for n in range(STAGED - BLOCKED)]
    held = [f"pkg{n}/mod{n}.py" for n in range(BLOCKED)]  # Agent-8's
    extra = [f"free/extra_{n}.py" for n in range(BLOCKED)]
    for name in free + held + extra:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"# {name}\n")
    git(root, "add", *free, *held)
    free_index = root / ".git" / "index-free"
    git(root, "read-tree", "HEAD", index=free_index)
    git(root, "add", *free, *extra, index=free_index)
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    command = [str(Path(BIN) / "swarmbus"), "--config", str(swarm_path), "guard", "install"]
    subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)
    return root, free_index


def patterns_of(agent: int) -> list[str]:
    """500 live exclusive patterns, none conflicting: Agent-2 … Agent-7 hold 66 files and 6
    `docs/*.md` globs each; Agent-8 holds the 5 staged pkg files, 40 folders, 20 `**/name`
    globs (they match anywhere, so the hook tries them on every path) and 3 more globs."""
    if agent == 8:
        held = [f"pkg{n}/mod{n}.py" for n in range(BLOCKED)]
        folders = [f"area{n}/" for n in range(40)]
        anywhere = [f"**/gen_{n}.py" for n in range(20)]
        tools = [f"tools/{name}/*.sh" for name in ("ci", "dev", "ops")]
        return held + folders + anywhere + tools
    files = [f"lib{agent}/part{n}/file{n}.py" for n in range(66)]
    return files + [f"docs{agent}/ch{n}/*.md" for n in range(6)]


async def fill(swarm_path: Path, project: str) -> int:
    async with await Bus.open(swarm_config.load(swarm_path)) as bus:
        for agent in range(2, 9):
            grant = await bus.reserve(f"Agent-{agent}", patterns_of(agent), project, ttl=86_400)
            assert not grant.conflicts, grant.conflicts
        return len(await bus.reservations(project))


def hook_ms(root: Path, index: Path | None, runs: int) -> tuple[list[float], int]:
    """The hook's wall time, run as git runs it, as Agent-1 (who holds nothing)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMBUS_")}
    env |= {"PATH": f"{BIN}:{os.environ['PATH']}", "SWARMBUS_AGENT": "Agent-1"}
    if index is not None:
        env["GIT_INDEX_FILE"] = str(index)
    times, status = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            ["sh", ".git/hooks/pre-commit"], cwd=root, env=env, capture_output=True
        )
        times.append((time.perf_counter() - start) * 1000)
        status = done.returncode
    return times, status


def guard_rows(location: str | None, runs: int) -> list[list[object]]:
    swarm = temp_swarm(agents=8, database=location)
    root, free_index = make_repository(swarm.path)
    live = anyio.run(fill, swarm.path, str(root.resolve()))
    backend = "PostgreSQL" if location else "SQLite"
    rows = []
    for label, index in (("allowed", free_index), (f"refused, {BLOCKED} lines", None)):
        hook_ms(root, index, 2)  # warm the file cache
        times, status = hook_ms(root, index, runs)
        rows.append(
            [
                f"{backend}: hook, {STAGED} staged, {live} live ({label})",
                f"{median(times):.0f}",
                f"{percentile(times, 0.9):.0f}",
                f"{min(times):.0f}",
                status,
            ]
        )
    return rows


def baseline_row(runs: int) -> list[object]:
    times = wall_ms([sys.executable, "-c", "pass"], dict(os.environ), runs)
    return [
        "python -c pass",
        f"{median(times):.0f}",
        f"{percentile(times, 0.9):.0f}",
        f"{min(times):.0f}",
        0,
    ]


# ---------------------------------------------------------------- reserve under racing processes


async def racer(config: str, agent: str, project: str, start: float, paths: list[str]) -> None:
    """One racing process: reserve each path in turn; print latencies and grants."""
    latencies, granted = [], 0
    async with await Bus.open(swarm_config.load(config)) as bus:
        await anyio.sleep(max(0.0, start - time.time()))
        began = time.perf_counter()
        for path in paths:
            t = time.perf_counter()
            grant = await bus.reserve(agent, [path], project)
            latencies.append((time.perf_counter() - t) * 1000)
            granted += len(grant.granted)
        seconds = time.perf_counter() - began
    print(json.dumps({"latencies": latencies, "granted": granted, "seconds": seconds}))


def race(location: str | None, per_process: int, contended: bool) -> list[object]:
    swarm = temp_swarm(agents=8, database=location)
    project = tempfile.mkdtemp(prefix="swarmbus-bench-project-")
    anyio.run(fill_nothing, swarm.path)
    start = time.time() + 3.0
    procs = []
    for n in range(1, 9):
        prefix = "shared" if contended else f"w{n}"
        paths = json.dumps([f"{prefix}/{i}.py" for i in range(per_process)])
        args = [str(swarm.path), f"Agent-{n}", project, str(start), paths]
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--racer", *args], stdout=subprocess.PIPE, text=True
            )
        )
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    calls = sum(len(r["latencies"]) for r in results)
    granted = sum(r["granted"] for r in results)
    seconds = max(r["seconds"] for r in results)
    latencies = [ms for r in results for ms in r["latencies"]]
    backend = "PostgreSQL" if location else "SQLite"
    kind = "same paths (contended)" if contended else "disjoint paths"
    return [
        f"{backend}: 8 processes, {kind}",
        calls,
        granted,
        f"{calls / seconds:,.0f}",
        f"{median(latencies):.1f}",
        f"{percentile(latencies, 0.99):.1f}",
    ]


async def fill_nothing(swarm_path: Path) -> None:
    async with await Bus.open(swarm_config.load(swarm_path)):
        pass  # create and migrate the database before the race starts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--per-process", type=int, default=100)
    parser.add_argument("--postgres", action="store_true", help="also measure PostgreSQL")
    args = parser.parse_args()
    byte_compile()
    urls = [temp_postgres()] if args.postgres else []  # one database, a project per part
    try:
        guard = [baseline_row(args.runs)]
        for location in [None, *urls]:
            guard += guard_rows(location, args.runs)
        print_table(
            f"the guard's wall time, {args.runs} runs each (target <= 150 ms)",
            ["what", "median ms", "p90 ms", "best ms", "exit"],
            guard,
        )
        rows = [
            race(location, args.per_process, contended)
            for contended in (False, True)
            for location in [None, *urls]
        ]
        print_table(
            f"reserve: 8 racing processes x {args.per_process} calls of one pattern each",
            ["what", "calls", "granted", "calls/s", "median ms", "p99 ms"],
            rows,
        )
    finally:
        for url in urls:
            drop_postgres(url)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--racer"]:
        config, agent, project, start, paths = sys.argv[2:7]
        anyio.run(racer, config, agent, project, float(start), json.loads(paths))
    else:
        main()
