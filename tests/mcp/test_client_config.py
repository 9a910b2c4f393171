"""`swarmbus mcp config`: each client's snippet parses and launches the right command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from swarmbus.agents.config import Swarm

SWARMBUS = str(Path(sys.executable).with_name("swarmbus"))


def _config(swarm: Swarm, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMBUS_")}
    return subprocess.run(
        [SWARMBUS, "--config", str(swarm.path), "mcp", "config", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _entry(client: str, text: str) -> dict[str, Any]:
    if client == "codex":
        return tomllib.loads(text)["mcp_servers"]["swarmbus"]
    document = json.loads(text)
    return document["servers" if client == "vscode" else "mcpServers"]["swarmbus"]


@pytest.mark.parametrize("client", ["cursor", "claude", "vscode", "codex"])
def test_each_snippet_parses_and_names_the_command(swarm: Swarm, client: str) -> None:
    done = _config(swarm, "--client", client, "--agent", "Agent-3")
    assert done.returncode == 0, done.stderr
    entry = _entry(client, done.stdout)
    assert entry["command"] == SWARMBUS
    assert entry["args"] == ["mcp", "--agent", "Agent-3"]
    assert entry["env"] == {"SWARMBUS_CONFIG": str(swarm.path.resolve())}
    if client in ("vscode", "claude"):
        assert entry["type"] == "stdio"
    launched = subprocess.run(  # the snippet's command really runs (its help, not a server)
        [entry["command"], *entry["args"][:1], "--help"],
        env={**os.environ, **entry["env"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert launched.returncode == 0
    assert "--agent" in launched.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--client", "emacs", "--agent", "Agent-1"], "--client 'emacs' is not allowed"),
        (["--client", "cursor", "--agent", "Agent-9"], "'Agent-9' is not a configured agent"),
        (["--client", "cursor"], "say which agent"),
    ],
)
def test_bad_config_requests_are_one_line(swarm: Swarm, args: list[str], expected: str) -> None:
    done = _config(swarm, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
