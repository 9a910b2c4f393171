"""`swarmbus mcp`: serve one agent's view of the swarm to its MCP client (the optional
`swarmbus[mcp]` extra), and `swarmbus mcp config`: the snippet that client needs.

The SDK is imported only here, inside the functions, so no other command pays
for it.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from swarmbus import errors
from swarmbus.cli.common import handle_errors, run, state

INSTALL_HINT = "pip install 'swarmbus[mcp]'"
AGENT_ENV = "SWARMBUS_AGENT"
TIMEOUT_ENV = "SWARMBUS_MCP_TIMEOUT"
DEFAULT_TIMEOUT = 5.0  # seconds; the same as swarmbus.mcp.session.DEFAULT_TIMEOUT
AgentOption = Annotated[
    str | None,
    typer.Option("--agent", envvar=AGENT_ENV, help="The agent served (default: $SWARMBUS_AGENT)."),
]


def require_extra() -> None:
    """Refuse in one line when the MCP extra is not installed."""
    if importlib.util.find_spec("mcp") is None or importlib.util.find_spec("uvicorn") is None:
        raise errors.UsageError(
            f"the MCP server needs the mcp package; install it with: {INSTALL_HINT}"
        )


@handle_errors
def serve(
    ctx: typer.Context,
    agent: AgentOption = None,
    http: Annotated[
        str | None,
        typer.Option(
            "--http",
            metavar="HOST:PORT",
            help="Serve streamable HTTP (127.0.0.1:8765) instead of stdio; anything but "
            "loopback needs SWARMBUS_MCP_TOKEN.",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option("--allow-host", help="With --http: a name clients use for this machine."),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(envvar=TIMEOUT_ENV, help="Seconds one tool call may take (0.1 to 300)."),
    ] = DEFAULT_TIMEOUT,
) -> None:
    """Serve the swarm as MCP tools to one agent's client: over stdio (what Cursor, Claude
    Code and VS Code launch), or over streamable HTTP with --http."""
    if ctx.invoked_subcommand is not None:
        return
    _serve(state(ctx).swarm(), agent, http, tuple(allow_host or ()), timeout)


def _serve(
    swarm: Any, agent: str | None, http: str | None, allow_host: tuple[str, ...], timeout: float
) -> None:
    """Check everything a user can get wrong, then serve until the client or Ctrl+C stops it."""
    require_extra()
    from swarmbus.bus.opening import require_swarm_database
    from swarmbus.mcp import serving
    from swarmbus.mcp.session import check_agent, check_timeout

    name = check_agent(list(swarm.agents), agent)
    check_timeout(timeout)
    if http is None:
        require_swarm_database(swarm)
        run(serving.serve_stdio, swarm, name, timeout)
        return
    from swarmbus.mcp.http import TOKEN_ENV, settings_from

    settings = settings_from(http, os.environ.get(TOKEN_ENV), allow_host)
    require_swarm_database(swarm)
    try:
        sock = serving.listen(settings)
    except OSError as exc:
        raise errors.UsageError(
            f"cannot listen on {http}: {exc.strerror or exc}; choose another port or address"
        ) from None
    run(serving.serve_http, swarm, name, timeout, settings, sock)


@handle_errors
def config(
    ctx: typer.Context,
    client: Annotated[str, typer.Option("--client", help="cursor, claude, vscode or codex.")],
    agent: AgentOption = None,
) -> None:
    """Print the snippet that makes an MCP client launch `swarmbus mcp` for one agent."""
    root = state(ctx)
    swarm = root.swarm()
    print(_snippet(client, agent, list(swarm.agents), (swarm.path, root.db)), end="")


def _snippet(
    client: str, agent: str | None, configured: list[str], where: tuple[Path, str | None]
) -> str:
    from swarmbus.mcp.clients import check_client, snippet
    from swarmbus.mcp.session import check_agent

    check_client(client)
    name = check_agent(configured, agent)
    path, db = where
    return snippet(client, name, path, db)
