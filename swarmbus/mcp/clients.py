"""`swarmbus mcp config`: the snippet each MCP client needs to launch `swarmbus mcp`.

Plain text, no SDK: printing a snippet works without the `mcp` extra. The
command is the absolute path of this installation's `swarmbus` when there is
one (an editor launches servers with its own PATH, which may not hold this
virtualenv), and the config path goes in the environment, absolute, so the
server finds the swarm whatever folder the editor starts it in.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import tomlkit

from swarmbus import errors

SERVER_KEY = "swarmbus"
# client -> (where its snippet goes, the format)
CLIENTS: dict[str, tuple[str, str]] = {
    "cursor": (".cursor/mcp.json in the project (or ~/.cursor/mcp.json for every project)", "json"),
    "claude": (".mcp.json in the project root (Claude Code)", "json"),
    "vscode": (".vscode/mcp.json in the workspace", "json"),
    "codex": ("~/.codex/config.toml", "toml"),
}


def check_client(name: str) -> str:
    if name not in CLIENTS:
        raise errors.UsageError(f"--client {name!r} is not allowed; use {', '.join(CLIENTS)}")
    return name


def swarmbus_command() -> str:
    """This installation's `swarmbus` script, absolute; else plain `swarmbus` (on PATH)."""
    beside = Path(sys.executable).with_name("swarmbus")
    if beside.is_file():
        return str(beside)
    return shutil.which("swarmbus") or "swarmbus"


def server_entry(agent: str, config: Path, db: str | None = None) -> dict[str, object]:
    """The launch description every client shares: command, args, env."""
    env = {"SWARMBUS_CONFIG": str(config.resolve())}
    if db is not None:
        env["SWARMBUS_DB"] = db
    return {"command": swarmbus_command(), "args": ["mcp", "--agent", agent], "env": env}


def snippet(client: str, agent: str, config: Path, db: str | None = None) -> str:
    """The exact text to paste into `client`'s MCP configuration."""
    entry = server_entry(agent, config, db)
    check_client(client)
    if client == "codex":
        document = tomlkit.document()
        servers = tomlkit.table(is_super_table=True)
        servers[SERVER_KEY] = entry
        document["mcp_servers"] = servers
        return tomlkit.dumps(document)
    if client == "vscode":
        data: dict[str, object] = {"servers": {SERVER_KEY: {"type": "stdio", **entry}}}
    elif client == "claude":
        data = {"mcpServers": {SERVER_KEY: {"type": "stdio", **entry}}}
    else:
        data = {"mcpServers": {SERVER_KEY: entry}}
    return json.dumps(data, indent=2) + "\n"


def where(client: str) -> str:
    """Where the snippet goes, for the line printed above it."""
    return CLIENTS[check_client(client)][0]
