"""The MCP server object: the SDK's high-level `MCPServer` with swarmbus's tools and resources.

`build_server` gives the server for one agent over an open bus; the same object
serves stdio (`serve_stdio`), streamable HTTP (`swarmbus.mcp.http`), and the
SDK's in-memory `Client(server)` in tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from pydantic import ValidationError

from swarmbus import __version__
from swarmbus.bus import requests
from swarmbus.mcp.messaging import MessagingTools
from swarmbus.mcp.reserving import ReservationTools
from swarmbus.mcp.resources import Resources
from swarmbus.mcp.session import DEFAULT_TIMEOUT, AgentSession
from swarmbus.mcp.swarm import SwarmTools

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus

SERVER_NAME = "swarmbus"


class SwarmServer(MCPServer):
    """`MCPServer`, except that arguments that fail the input schema (a wrong type, a
    missing argument) are refused in one line, like every other error, not in
    pydantic's multi-line report."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(exc, UnexpectedToolError) or not isinstance(cause, ValidationError):
                raise
            raise ToolError(f"Error executing tool {name}: {argument_problem(cause)}") from None


def argument_problem(error: ValidationError) -> str:
    """The first bad argument, its value and what is allowed, on one line."""
    problem = error.errors(include_url=False)[0]
    name = ".".join(str(part) for part in problem["loc"]) or "arguments"
    more = f" (and {error.error_count() - 1} more problems)" if error.error_count() > 1 else ""
    if problem["type"] == "missing":
        return f"argument {name!r} is missing; it is required{more}"
    shown = requests.shown(problem["input"])
    return f"argument {name} = {shown} is not allowed: {problem['msg']}{more}"


def instructions(agent: str) -> str:
    """What the model is told about this server when it connects."""
    return (
        f"You are {agent} on swarmbus, the message bus of a swarm of coding agents. "
        f"Check fetch_inbox for messages to you (a one-line notice in your chat may point "
        f"there), answer with reply, acknowledge what asks for it, send_message to start a "
        f"conversation, and reserve_files before editing files others may touch."
    )


def build_server(bus: Bus, agent: str, timeout: float = DEFAULT_TIMEOUT) -> MCPServer:
    """An MCP server acting as `agent` (a configured agent, else `UnknownAgent`) on `bus`,
    which stays open for the server's life and is closed by the caller."""
    session = AgentSession(bus, agent, timeout)
    server = SwarmServer(
        SERVER_NAME,
        version=__version__,
        instructions=instructions(session.agent),
        log_level="WARNING",
    )
    MessagingTools(session).register(server)
    SwarmTools(session).register(server)
    ReservationTools(session).register(server)
    Resources(session).register(server)
    return server
