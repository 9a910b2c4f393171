"""`swarmbus web` starts only when it is safe and able to, and says why not in one line."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import httpx
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from tests.processes import REPO
from tests.web.servers import dashboard, environment, swarmbus

TOKEN_HINT = "set SWARMBUS_WEB_TOKEN to a secret of at least 16 characters"


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "token", "expected"),
    [
        (
            ["--host", "0.0.0.0"],
            None,
            f"reachable from other machines, so the dashboard needs a login: {TOKEN_HINT}",
        ),
        (["--host", "192.0.2.1"], "", TOKEN_HINT),
        (["--host", "::"], "short", "SWARMBUS_WEB_TOKEN is not allowed: it has 5 characters"),
        (["--host", "0.0.0.0"], "a token with spaces in it", "printable characters without spaces"),
        (["--host", "desk.lan"], None, "--host 'desk.lan' is not allowed; use an IP address"),
        (["--allow-host", "bad/name"], None, "--allow-host 'bad/name' is not allowed"),
        (["--port", "70000"], None, "70000"),
    ],
)
def test_an_unsafe_or_bad_setting_is_refused_before_anything_listens(
    bus: Bus, swarm: Swarm, state_dir: str, args: list[str], token: str | None, expected: str
) -> None:
    env = {} if token is None else {"SWARMBUS_WEB_TOKEN": token}
    assert expected in one_line(swarmbus(swarm, state_dir, "web", *args, **env))


def test_a_port_in_use_is_one_line(bus: Bus, swarm: Swarm, state_dir: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line(swarmbus(swarm, state_dir, "web", "--port", str(port)))
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in line


def test_a_missing_database_is_one_line(swarm: Swarm, state_dir: str) -> None:
    assert "no swarmbus database at" in one_line(swarmbus(swarm, state_dir, "web"))


MISSING_EXTRA = """
import sys
sys.modules["sse_starlette"] = None  # as if swarmbus[web] had not been installed
from swarmbus import cli
sys.exit(cli.execute(["--config", sys.argv[1], "web"]))
"""


def test_a_missing_extra_is_the_pip_command_in_one_line(swarm: Swarm, state_dir: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", MISSING_EXTRA, str(swarm.path)],
        cwd=REPO,
        env=environment(state_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = one_line(result)
    assert line == (
        "error: the web dashboard needs sse_starlette; install it with: pip install 'swarmbus[web]'"
    )


SEND_LOADS_NO_WEB = """
import sys
from swarmbus import cli
assert cli.execute(["--config", sys.argv[1], "send", "Agent-2", "hello"]) == 0
print(sorted(m for m in sys.modules if m.split(".")[0] in ("starlette", "jinja2", "uvicorn",
      "sse_starlette", "multipart") or m.startswith("swarmbus.web")))
"""


def test_send_imports_nothing_of_the_dashboard(bus: Bus, swarm: Swarm, state_dir: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SEND_LOADS_NO_WEB, str(swarm.path)],
        cwd=REPO,
        env=environment(state_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


def test_sigterm_stops_the_dashboard_with_status_0(bus: Bus, swarm: Swarm, state_dir: str) -> None:
    with dashboard(swarm, state_dir) as served:
        assert "no login: loopback only" not in served.url
        assert httpx.get(served.url, timeout=10).status_code == 200
        served.process.send_signal(signal.SIGTERM)
        served.process.wait(15)
