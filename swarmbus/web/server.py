"""Serving the dashboard: its listening socket, uvicorn, and one bus for as long as it runs.

The socket is bound before uvicorn starts, so a port in use is one line from
the command (not a log record from inside the server), and `--port 0` picks a
free port that is then printed.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

from swarmbus.bus.api import Bus
from swarmbus.bus.operations import Operations
from swarmbus.web.app import create_app
from swarmbus.web.settings import WebSettings

if TYPE_CHECKING:
    from swarmbus.agents.config import Swarm

SHUTDOWN_GRACE = 2  # seconds open streams get to end when the server stops
BACKLOG = 128  # connections waiting to be accepted


def listen(settings: WebSettings) -> socket.socket:
    """A socket bound to the settings' address (OSError when it cannot be)."""
    host = "127.0.0.1" if settings.host == "localhost" else settings.host
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, settings.port))
        sock.listen(BACKLOG)  # from now on a browser's connection waits for the server
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket) -> str:
    """The dashboard's URL on this socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


async def serve(swarm: Swarm, settings: WebSettings, sock: socket.socket) -> None:
    """Serve the dashboard of `swarm` on `sock` until SIGINT or SIGTERM."""
    import uvicorn

    async with await Bus.open(swarm, create=False) as bus:
        app = create_app(bus, Operations(swarm.database, swarm), settings)
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            proxy_headers=False,  # a client may not say who it is: requests record its address
            server_header=False,
            timeout_graceful_shutdown=SHUTDOWN_GRACE,
        )
        await _quiet_stop(uvicorn.Server)(config).serve(sockets=[sock])


def _quiet_stop(server: type[Any]) -> type[Any]:
    """uvicorn's server, except that SIGINT or SIGTERM ends it with exit status 0: uvicorn
    raises the signal again once it has shut down, which would turn Ctrl+C into an
    'interrupted' error and SIGTERM into a kill."""

    class Server(server):  # type: ignore[misc,valid-type]
        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()

    return Server
