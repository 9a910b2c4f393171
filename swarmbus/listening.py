"""Listening sockets for the HTTP faces (the dashboard and the MCP server).

The socket is bound before uvicorn starts, so a port in use is one line from the
command rather than a log record from inside the server, and `port 0` picks a
free port that can then be printed.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Any

from swarmbus import errors

BACKLOG = 128  # connections waiting to be accepted
MIN_TOKEN_LENGTH = 16
TOKEN_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(24))'"
_TOKEN = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII without spaces: pasted into a form


def is_loopback(host: str) -> bool:
    """Whether `host` (an IP address or localhost) is reachable only from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token(token: str | None, host: str, env: str, reachable: str) -> str | None:
    """The token read from `env`: required off loopback (`reachable` opens the refusal:
    who is reachable and what it needs), and hard to guess when given."""
    if not token:
        if is_loopback(host):
            return None
        raise errors.UsageError(
            f"{reachable}: set {env} to a secret of at least {MIN_TOKEN_LENGTH} characters "
            f"(for example from {TOKEN_HINT}), or bind 127.0.0.1"
        )
    if len(token) < MIN_TOKEN_LENGTH or not _TOKEN.fullmatch(token):
        raise errors.UsageError(
            f"{env} is not allowed: it has {len(token)} characters; use at least "
            f"{MIN_TOKEN_LENGTH} printable characters without spaces "
            f"(for example from {TOKEN_HINT})"
        )
    return token


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host`:`port` and listening (OSError when it cannot be)."""
    host = "127.0.0.1" if host == "localhost" else host
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose proto
    # says TCP, and accepted sockets inherit it; with proto 0 every answer waited ~40 ms for
    # the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)  # from now on a client's connection waits for the server
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url(sock: socket.socket, path: str = "/") -> str:
    """The http:// URL of `path` on this socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{path}"


def quiet_stop(server: type[Any]) -> type[Any]:
    """uvicorn's server class, except that SIGINT or SIGTERM ends it with exit status 0:
    uvicorn raises the signal again once it has shut down, which would turn Ctrl+C into an
    'interrupted' error and SIGTERM into a kill."""

    class Server(server):  # type: ignore[misc,valid-type]
        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()

    return Server
