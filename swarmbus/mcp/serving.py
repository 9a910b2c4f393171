"""Running the server: open the bus, check who it serves, then stdio or HTTP until stopped.

Everything a user can get wrong (an unknown agent, a missing database, a port
in use) is found before the first request, and is one line from the command:
a client that launches a server which dies at once shows that line, where a
server that starts and fails later would only show failing tool calls.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from swarmbus import listening
from swarmbus.bus.api import Bus
from swarmbus.mcp.server import build_server

if TYPE_CHECKING:
    from swarmbus.agents.config import Swarm
    from swarmbus.mcp.http import HttpSettings

SHUTDOWN_GRACE = 2  # seconds open streams get when the server stops


def listen(settings: HttpSettings) -> socket.socket:
    """A socket bound to the settings' address (OSError when it cannot be)."""
    return listening.listen(settings.host, settings.port)


async def serve_stdio(swarm: Swarm, agent: str, timeout: float) -> None:
    """Serve `agent` over stdin/stdout until the client closes them."""
    async with await Bus.open(swarm, create=False) as bus:
        server = build_server(bus, agent, timeout)
        await server.run_stdio_async()


async def serve_http(
    swarm: Swarm, agent: str, timeout: float, settings: HttpSettings, sock: socket.socket
) -> None:
    """Serve `agent` over streamable HTTP on `sock` until SIGINT or SIGTERM."""
    import uvicorn

    from swarmbus.mcp.http import streamable_http_app

    async with await Bus.open(swarm, create=False) as bus:
        server = build_server(bus, agent, timeout)
        app = streamable_http_app(
            server,
            host=settings.host,
            token=settings.token,
            allowed_hosts=settings.allowed_hosts,
        )
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,  # a request line is nobody's business, and never the token
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=SHUTDOWN_GRACE,
        )
        login = "bearer token required" if settings.token else "no token: loopback only"
        where = listening.url(sock, "/mcp")
        print(f"swarmbus mcp on {where} as {agent} ({login}); Ctrl+C stops it", flush=True)
        await listening.quiet_stop(uvicorn.Server)(config).serve(sockets=[sock])
