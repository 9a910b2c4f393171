"""Serving the dashboard: uvicorn on a socket bound beforehand, one bus while it runs.

The socket comes from `swarmbus.listening` (bound before uvicorn starts, so a
port in use is one line from the command). Other apps may be mounted beside the
pages (the MCP endpoints at /mcp/AGENT): `serve` takes a function that builds
them on the open bus, so the dashboard never imports another face.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from swarmbus import listening
from swarmbus.bus.api import Bus
from swarmbus.bus.operations import Operations
from swarmbus.web.app import SubApp, create_app
from swarmbus.web.settings import WebSettings

if TYPE_CHECKING:
    from swarmbus.agents.config import Swarm

SHUTDOWN_GRACE = 2  # seconds open streams get to end when the server stops
Mounts = Callable[[Bus], Sequence[tuple[str, SubApp]]]


def listen(settings: WebSettings) -> socket.socket:
    """A socket bound to the settings' address (OSError when it cannot be)."""
    return listening.listen(settings.host, settings.port)


def address(sock: socket.socket) -> str:
    """The dashboard's URL on this socket."""
    return listening.url(sock)


async def serve(
    swarm: Swarm, settings: WebSettings, sock: socket.socket, mounts: Mounts | None = None
) -> None:
    """Serve the dashboard of `swarm` on `sock` until SIGINT or SIGTERM."""
    import uvicorn

    async with await Bus.open(swarm, create=False) as bus:
        extra = mounts(bus) if mounts is not None else ()
        app = create_app(bus, Operations(swarm.database, swarm), settings, extra)
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            proxy_headers=False,  # a client may not say who it is: requests record its address
            server_header=False,
            timeout_graceful_shutdown=SHUTDOWN_GRACE,
        )
        await listening.quiet_stop(uvicorn.Server)(config).serve(sockets=[sock])
