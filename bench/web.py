"""The web dashboard: overview render time, SSE latency, memory with open streams.

A swarm of 50 agents with 100,000 messages (written straight into the table,
mostly delivered, some dead letters and waiting ones, spread over a day):

1. overview render: GET / through the app's ASGI interface, in this process,
   after a warm-up; p50 and p99 of the whole request (front door, database
   reads, templates);
2. SSE latency: `swarmbus web` in its own process, a stream of the messages
   page read here as a browser would, and a sender process that sends a
   message every 200 ms carrying the monotonic clock (system-wide on Linux)
   read just before `send()`; latency is the clock when the update with that
   body arrives in the stream, minus the body;
3. memory: the dashboard process's resident set (VmRSS, and its peak VmHWM)
   with 20 streams open on the overview, after a few changes were pushed;
4. start-up: `swarmbus web` from process start to its first page answered, with
   every agent's MCP endpoint at /mcp/AGENT/ (each built on its first request),
   beside the same with --no-mcp.

Usage: python bench/web.py [--renders 300] [--sends 40] [--clients 20] [--starts 5]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import median, percentile, print_table, temp_swarm

from swarmbus.bus.api import Bus
from swarmbus.bus.operations import Operations
from swarmbus.model import ids, timefmt
from swarmbus.web.app import create_app
from swarmbus.web.settings import WebSettings

AGENTS = 50
MESSAGES = 100_000
REPO = Path(__file__).parents[1]
SENDER = """
import sys, time, anyio
from swarmbus.agents import config
from swarmbus.bus.api import Bus

async def main(path, count):
    async with await Bus.open(config.load(path, {})) as bus:
        for _ in range(count):
            await anyio.sleep(0.2)
            await bus.send("bench", "Agent-1", f"t{time.monotonic_ns()}")

anyio.run(main, sys.argv[1], int(sys.argv[2]))
"""


def fill(database: str) -> None:
    """100,000 messages over the last day: 95 % delivered (half of them read by their
    recipient), 2 % dead, 2 % waiting, 1 % expired."""
    statuses = ["delivered"] * 95 + ["failed"] * 2 + ["pending"] * 2 + ["expired"]
    now = time.time()
    rows = []
    for n, message_id in enumerate(ids.new_ids(MESSAGES)):
        status = random.choice(statuses)
        sent = timefmt.to_text(datetime.fromtimestamp(now - 86400 + n * 0.8, tz=UTC))
        done = sent if status != "pending" else None
        read = sent if status == "delivered" and random.random() < 0.5 else None  # half opened
        rows.append(
            (
                message_id,
                f"Agent-{random.randint(1, AGENTS)}",
                f"Agent-{random.randint(1, AGENTS)}",
                f"message {n}: please look at the failing test in bus/api.py",
                sent,
                done,
                status,
                status,
                12,
                "memory",
                sent,
                sent,
                "window not found" if status == "failed" else None,
                message_id,
                read,
            )
        )
    with sqlite3.connect(database) as raw:
        raw.executemany(
            "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, content,"
            " sent_at, processed_at, status, delivery_status, delivery_time_ms, delivery_method,"
            " available_at, created_at, last_error, thread_id, read_at) VALUES (?, ?, ?, 'normal',"
            " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        raw.execute("ANALYZE")


async def render_times(swarm: object, renders: int) -> list[float]:
    async with await Bus.open(swarm) as bus:  # type: ignore[arg-type]
        app = create_app(bus, Operations(bus.swarm.database, bus.swarm), WebSettings())
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8780") as web:
            for _ in range(20):  # warm-up: templates compiled, pages cached by SQLite
                assert (await web.get("/")).status_code == 200
            times = []
            for _ in range(renders):
                started = time.perf_counter()
                response = await web.get("/")
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
    return times


def start_dashboard(swarm: object, *options: str) -> tuple[subprocess.Popen[str], str]:
    config = str(swarm.path)  # type: ignore[attr-defined]
    process = subprocess.Popen(
        [sys.executable, "-m", "swarmbus", "--config", config, "web", "--port", "0", *options],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()  # type: ignore[union-attr]
    found = re.search(r"(http://\S+/)", line)
    if found is None:
        process.kill()
        raise SystemExit(f"swarmbus web did not start: {line!r}")
    return process, found[1]


def start_ms(swarm: object, *options: str) -> float:
    """Milliseconds from starting `swarmbus web` to its first page answered."""
    started = time.perf_counter()
    process, url = start_dashboard(swarm, *options)
    try:
        while True:
            try:
                response = httpx.get(url, timeout=5)
            except httpx.TransportError:
                time.sleep(0.005)
                continue
            if response.status_code != 200:  # a broken page would otherwise be asked forever
                raise SystemExit(f"swarmbus web answered {response.status_code} at start")
            return (time.perf_counter() - started) * 1000
    finally:
        process.terminate()
        process.wait(15)


def sender(swarm: object, sends: int) -> subprocess.Popen[bytes]:
    """A process that sends a timestamped message every 200 ms."""
    path = str(swarm.path)  # type: ignore[attr-defined]
    return subprocess.Popen([sys.executable, "-c", SENDER, path, str(sends)], cwd=REPO)


async def sse_latencies(swarm: object, url: str, sends: int) -> list[float]:
    """Open the messages page's stream, start the sender, read until every body arrived."""
    latencies: list[float] = []
    seen: set[str] = set()
    async with (
        httpx.AsyncClient(base_url=url, timeout=60) as web,
        web.stream("GET", "/live/messages") as stream,
    ):
        sending = await anyio.to_thread.run_sync(sender, swarm, sends)
        with anyio.move_on_after(sends * 0.2 + 15):
            async for line in stream.aiter_lines():
                arrived = time.monotonic_ns()
                for stamp in re.findall(r"\bt(\d{6,})\b", line):
                    if stamp not in seen:
                        seen.add(stamp)
                        latencies.append((arrived - int(stamp)) / 1e6)
                if len(seen) >= sends:
                    break
    await anyio.to_thread.run_sync(sending.wait, 30)
    return latencies


def memory_of(pid: int) -> tuple[float, float]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    mib = [int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")]
    return mib[0], mib[1]


async def memory_with_streams(
    swarm: object, url: str, pid: int, clients: int
) -> tuple[float, float]:
    async def hold(web: httpx.AsyncClient, ready: list[int]) -> None:
        async with web.stream("GET", "/live/overview?seen=0") as stream:
            ready.append(1)
            async for _ in stream.aiter_lines():
                pass

    ready: list[int] = []
    async with (
        httpx.AsyncClient(base_url=url, timeout=60) as web,
        anyio.create_task_group() as group,
    ):
        for _ in range(clients):
            group.start_soon(hold, web, ready)
        while len(ready) < clients:
            await anyio.sleep(0.05)
        for n in range(3):  # a few changes, so each stream got its updates
            command = [sys.executable, "-m", "swarmbus", "--config", str(swarm.path)]  # type: ignore[attr-defined]
            await anyio.run_process([*command, "send", "Agent-2", f"change {n}"], cwd=REPO)
            await anyio.sleep(0.5)
        measured = memory_of(pid)
        group.cancel_scope.cancel()
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=300)
    parser.add_argument("--sends", type=int, default=40)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    swarm = temp_swarm(agents=AGENTS)
    anyio.run(_create, swarm)
    fill(swarm.database)
    times = anyio.run(render_times, swarm, args.renders)
    process, url = start_dashboard(swarm)
    try:
        latencies = anyio.run(sse_latencies, swarm, url, args.sends)
        rss, peak = anyio.run(memory_with_streams, swarm, url, process.pid, args.clients)
    finally:
        process.terminate()
        process.wait(15)
    starts: dict[tuple[str, ...], list[float]] = {(): [], ("--no-mcp",): []}
    for _ in range(args.starts):  # interleaved
        for options, times_ms in starts.items():
            times_ms.append(start_ms(swarm, *options))
    rows = [
        ["overview render p50", f"{median(times):.1f} ms", "-"],
        ["overview render p99", f"{percentile(times, 0.99):.1f} ms", "≤ 50 ms"],
        [
            "SSE latency p50 (send in another process → event in the stream)",
            f"{median(latencies):.1f} ms",
            "≤ 100 ms",
        ],
        ["SSE latency p99", f"{percentile(latencies, 0.99):.1f} ms", "-"],
        [
            f"memory with {args.clients} SSE clients (VmRSS; peak VmHWM)",
            f"{rss:.0f} MiB ({peak:.0f} MiB peak)",
            "≤ 120 MiB",
        ],
        [
            "start → first page, with MCP for every agent (median)",
            f"{median(starts[()]):.0f} ms",
            f"with --no-mcp: {median(starts[('--no-mcp',)]):.0f} ms",
        ],
    ]
    title = (
        f"swarmbus web: {AGENTS} agents, {MESSAGES:,} messages, {args.renders} renders, "
        f"{len(latencies)} of {args.sends} sends seen, SQLite"
    )
    print_table(title, ["measure", "result", "target or reference"], rows)


async def _create(swarm: object) -> None:
    async with await Bus.open(swarm):  # type: ignore[arg-type]
        pass


if __name__ == "__main__":
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    main()
