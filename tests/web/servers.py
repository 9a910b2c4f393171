"""Real dashboards for the tests: `swarmbus web` in a process of its own, and an SSE reader.

An ASGI test client cannot read an endless event stream, so live updates are
tested against uvicorn listening on a real socket. Every process of one test
(the dashboard, `swarmbus send`, `swarmbus run`) shares one TMPDIR, where the
wake-up sockets live, as the processes of one desktop share /tmp.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from swarmbus.agents.config import Swarm
from tests.processes import REPO

STARTUP = 20.0  # seconds a dashboard may take to print its address
# An MCP client's first request, as the SDK sends it over streamable HTTP.
MCP_ACCEPT = "application/json, text/event-stream"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}


@dataclass
class Served:
    """A running `swarmbus web`: its process, its address, what it printed."""

    process: subprocess.Popen[str]
    url: str
    errors: list[str] = field(default_factory=list)


def environment(state_dir: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMBUS_")}
    return {**env, "TMPDIR": state_dir, **extra}


def swarmbus(swarm: Swarm, state_dir: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """One swarmbus command, in the test's TMPDIR, to completion."""
    command = [sys.executable, "-m", "swarmbus", "--config", str(swarm.path), *args]
    return subprocess.run(
        command,
        cwd=REPO,
        env=environment(state_dir, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextlib.contextmanager
def dashboard(
    swarm: Swarm,
    state_dir: str,
    *args: str,
    prefix: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> Iterator[Served]:
    """`swarmbus web --port 0 ARGS` until the block ends (then SIGINT: it must exit 0, and
    print no traceback)."""
    command = [*prefix, sys.executable, "-m", "swarmbus", "--config", str(swarm.path), "web"]
    process = subprocess.Popen(
        [*command, "--port", "0", *args],
        cwd=REPO,
        env=environment(state_dir, **(env or {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(process, "")
    collector = threading.Thread(target=_collect, args=(process, served.errors), daemon=True)
    collector.start()
    try:
        served.url = _address(process)
        yield served
    finally:
        _stop(process)
        collector.join(5)
        for pipe in (process.stdout, process.stderr):
            pipe.close()  # type: ignore[union-attr]
    assert process.returncode == 0, "".join(served.errors)
    # uvicorn exits 0 even when the app's shutdown raised; it printed the traceback
    assert not any("Traceback" in line for line in served.errors), "".join(served.errors)


def _address(process: subprocess.Popen[str]) -> str:
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(STARTUP)
    line = found[0] if found else ""
    match = re.search(r"(http://\S+/)", line)
    if match is None:
        process.kill()
        raise AssertionError(f"swarmbus web printed no address: {line!r}")
    return match[1]


def _collect(process: subprocess.Popen[str], lines: list[str]) -> None:
    for line in process.stderr:  # type: ignore[union-attr]
        lines.append(line)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """(event, data) of each event of a server-sent event stream (comments skipped)."""
    name, data = "message", []
    async for line in response.aiter_lines():
        if line == "":
            if data:
                yield name, "\n".join(data)
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))


def live_url(page: str) -> str:
    """The stream a page of the dashboard opens (its `sse-connect`)."""
    found = re.search(r'sse-connect="([^"]+)"', page)
    assert found is not None, "the page opens no stream"
    return found[1].replace("&amp;", "&")


def repo_path(*parts: str) -> Path:
    return REPO.joinpath(*parts)
