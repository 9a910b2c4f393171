"""The MCP server: tool-call latency over stdio and HTTP, and start-up to the first tool list.

The server is the real `swarmbus mcp` in its own process, the client the SDK's
`Client` in this one, as an editor would run them. A swarm of 8 inbox agents
with a few hundred messages already stored; each call is timed from the
client's `call_tool` to its result:

1. `send_message` (one new message, committed before the result);
2. `fetch_inbox` (unread_only false, limit 20, bodies included: 20 messages);

p50 and p99 over --calls calls each, after a warm-up, for stdio and for
streamable HTTP on 127.0.0.1; "server only" is the same call on the server
object in this process (no transport, no client): the server's own share. The
SDK's client validates every structured result against the tool's output
schema (jsonschema), which is most of a `fetch_inbox` round trip.

Start-up: from launching `swarmbus mcp` over stdio to the first `tools/list`
result, median and best of --starts runs.
swarmbus's modules are byte-compiled first, as a regular install does.

Usage: python bench/mcp.py [--calls 300] [--starts 7]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

# This file is `mcp.py`: its folder, first on the path when it runs, would hide the SDK.
BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
from mcp import Client  # noqa: E402 (after the path fix above)
from mcp.client.stdio import StdioServerParameters  # noqa: E402

sys.path.insert(0, str(BENCH))
from cli_start import byte_compile, wall_ms  # noqa: E402
from common import median, percentile, print_table, temp_swarm  # noqa: E402

from swarmbus.agents.config import Swarm  # noqa: E402
from swarmbus.bus.api import Bus  # noqa: E402
from swarmbus.mcp.server import build_server  # noqa: E402

SWARMBUS = str(Path(sys.executable).with_name("swarmbus"))
WARM_UP = 20  # calls not counted
STORED = 300  # messages in the database before the calls


async def prepare(swarm: Swarm) -> None:
    async with await Bus.open(swarm) as bus:
        for n in range(STORED):
            await bus.send(f"Agent-{2 + n % 7}", "Agent-1", f"stored message {n}: " + "x" * 200)


def environment(swarm: Swarm) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SWARMBUS_")}
    return {**base, "SWARMBUS_CONFIG": str(swarm.path)}


async def timed(calls: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    for _ in range(WARM_UP):
        await call()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        result = await call()
        times.append((time.perf_counter() - start) * 1000)
        assert not getattr(result, "is_error", False), result
    return times


async def latencies(client: Client, calls: int) -> dict[str, list[float]]:
    send = {"to": "Agent-2", "content": "a benchmark message"}
    fetch = {"unread_only": False, "limit": 20}
    return {
        "send_message": await timed(calls, lambda: client.call_tool("send_message", send)),
        "fetch_inbox": await timed(calls, lambda: client.call_tool("fetch_inbox", fetch)),
    }


def stdio_launch(swarm: Swarm) -> StdioServerParameters:
    return StdioServerParameters(
        command=SWARMBUS, args=["mcp", "--agent", "Agent-1"], env=environment(swarm)
    )


async def over_stdio(swarm: Swarm, calls: int) -> dict[str, list[float]]:
    async with Client(stdio_launch(swarm)) as client:
        return await latencies(client, calls)


def http_server(swarm: Swarm) -> tuple[subprocess.Popen[str], str]:
    """`swarmbus mcp --http` on a free port, and its URL once it listens."""
    server = subprocess.Popen(
        [SWARMBUS, "mcp", "--agent", "Agent-1", "--http", "127.0.0.1:0"],
        env=environment(swarm),
        stdout=subprocess.PIPE,
        text=True,
    )
    return server, server.stdout.readline().split()[3] if server.stdout else ""


async def over_http(swarm: Swarm, calls: int) -> dict[str, list[float]]:
    server, url = await anyio.to_thread.run_sync(http_server, swarm)
    try:
        async with Client(url) as client:
            return await latencies(client, calls)
    finally:
        server.terminate()
        server.wait(timeout=20)


async def in_process(swarm: Swarm, calls: int) -> dict[str, list[float]]:
    """The server's own share: the tool run on the server object, no transport, no client."""
    async with await Bus.open(swarm) as bus:
        server = build_server(bus, "Agent-1")
        send = {"to": "Agent-2", "content": "a benchmark message"}
        fetch = {"unread_only": False, "limit": 20}
        return {
            "send_message": await timed(calls, lambda: server.call_tool("send_message", send)),
            "fetch_inbox": await timed(calls, lambda: server.call_tool("fetch_inbox", fetch)),
        }


async def start_ups(swarm: Swarm, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        async with Client(stdio_launch(swarm)) as client:
            tools = await client.list_tools()
            times.append((time.perf_counter() - start) * 1000)
        assert len(tools.tools) == 15
    return times


def sdk_imports(runs: int) -> list[float]:
    """The floor under any MCP server in Python: importing the SDK's server class."""
    return wall_ms(
        [sys.executable, "-c", "from mcp.server import MCPServer"], dict(os.environ), runs
    )


async def run(calls: int, starts: int) -> None:
    swarm = temp_swarm(agents=8, transport="inbox")
    await prepare(swarm)
    rows = []
    measures = (("stdio", over_stdio), ("http", over_http), ("server only", in_process))
    for transport, measure in measures:
        for tool, times in (await measure(swarm, calls)).items():
            rows.append([transport, tool, f"{median(times):.2f}", f"{percentile(times, 0.99):.2f}"])
    print_table(f"tool calls ({calls} each, ms)", ["transport", "tool", "p50", "p99"], rows)
    launched, floor = await start_ups(swarm, starts), sdk_imports(starts)
    print_table(
        f"start-up over stdio ({starts} runs each, ms; target: swarmbus mcp <= 1000)",
        ["what", "median", "best"],
        [
            ["swarmbus mcp, launch to the first tool list", *_ms(launched)],
            ["python -c 'from mcp.server import MCPServer'", *_ms(floor)],
        ],
    )


def _ms(times: list[float]) -> list[str]:
    return [f"{median(times):.0f}", f"{min(times):.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--starts", type=int, default=7)
    options = parser.parse_args()
    byte_compile()
    anyio.run(run, options.calls, options.starts)


if __name__ == "__main__":
    main()
