"""Streamable HTTP: the MCP server at a URL, for clients that connect rather than launch.

Bound to loopback it is this desktop's own, like stdio. Bound anywhere else it
refuses to start without a token (`SWARMBUS_MCP_TOKEN`, from the environment
only: an argument would show in `ps`), and every request must carry it as
`Authorization: Bearer …`, compared in constant time and never logged. Host
and Origin headers are checked by the SDK's DNS-rebinding protection, always
on: a web page a browser loaded from elsewhere cannot reach the server through
a name that resolves to this machine.

`streamable_http_app` is the ASGI app; the dashboard can mount it at `/mcp`
(`Mount("/mcp", app=streamable_http_app(server, path="/"))`, with the parent's
lifespan entering `app.router.lifespan_context(app)`).
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Mount

from swarmbus import errors, listening

if TYPE_CHECKING:
    from mcp.server import MCPServer
    from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_ENV = "SWARMBUS_MCP_TOKEN"
DEFAULT_ADDRESS = "127.0.0.1:8765"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_ADDRESS = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+):(\d{1,5})$")


@dataclass(frozen=True)
class HttpSettings:
    """Where `swarmbus mcp --http` listens and who may call it (token None: loopback only)."""

    host: str
    port: int
    token: str | None = None
    allowed_hosts: tuple[str, ...] = ()


def parse_address(text: str) -> tuple[str, int]:
    """`127.0.0.1:8765`, `[::1]:8765`, `0.0.0.0:8765` -> (host, port)."""
    match = _ADDRESS.fullmatch(text.strip())
    host = match[1].strip("[]") if match else ""
    try:
        checked = "localhost" if host.lower() == "localhost" else str(ipaddress.ip_address(host))
    except ValueError:
        checked = ""
    if not match or not checked or int(match[2]) > 65535:
        raise errors.UsageError(
            f"--http {text!r} is not allowed; use HOST:PORT with an IP address of this machine "
            f"or localhost, e.g. {DEFAULT_ADDRESS}, [::1]:8765 or 0.0.0.0:8765"
        )
    return checked, int(match[2])


def settings_from(address: str, token: str | None, allowed_hosts: Sequence[str]) -> HttpSettings:
    host, port = parse_address(address)
    for name in allowed_hosts:
        if not re.fullmatch(r"[A-Za-z0-9.-]{1,253}", name):
            raise errors.UsageError(
                f"--allow-host {name!r} is not allowed; use a DNS name or IP address such as "
                f"desk.lan or 192.168.1.5"
            )
    reachable = f"--http {host} is reachable from other machines, so the MCP server needs a token"
    checked = listening.check_token(token, host, TOKEN_ENV, reachable)
    return HttpSettings(host, port, checked, tuple(allowed_hosts))


def transport_security(host: str, allowed_hosts: Sequence[str] = ()) -> TransportSecuritySettings:
    """The SDK's DNS-rebinding protection: Host and Origin must name this server."""
    names = list(LOOPBACK_NAMES)
    if not listening.is_loopback(host) and host not in ("0.0.0.0", "::"):
        names.append(f"[{host}]" if ":" in host else host)
    names += [name.lower() for name in allowed_hosts]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{name}:*" for name in names] + names,
        allowed_origins=[f"{scheme}://{n}:*" for n in names for scheme in ("http", "https")]
        + [f"{scheme}://{n}" for n in names for scheme in ("http", "https")],
    )


class BearerToken:
    """ASGI middleware: every HTTP request must carry `Authorization: Bearer <token>`."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._admits(Headers(scope=scope)):
            response = JSONResponse(
                {"error": f"unauthorized: send Authorization: Bearer <{TOKEN_ENV}>"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _admits(self, headers: Headers) -> bool:
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        given = credential.strip().encode()
        return scheme.lower() == "bearer" and hmac.compare_digest(given, self._token)


def streamable_http_app(
    server: MCPServer,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    allowed_hosts: Sequence[str] = (),
    path: str = "/mcp",
) -> Starlette:
    """The ASGI app serving `server` over streamable HTTP at `path`, behind the Host/Origin
    checks and, when `token` is set, the bearer-token check. Mounted in another Starlette
    app, that app's lifespan must enter `app.router.lifespan_context(app)`."""
    inner = server.streamable_http_app(
        streamable_http_path=path,
        json_response=True,  # each answer a plain JSON body: no tool streams progress
        transport_security=transport_security(host, allowed_hosts),
        host=host,
    )
    middleware = [] if token is None else [Middleware(BearerToken, token=token)]

    def lifespan(_: Any) -> Any:
        return inner.router.lifespan_context(inner)

    return Starlette(routes=[Mount("/", app=inner)], middleware=middleware, lifespan=lifespan)
