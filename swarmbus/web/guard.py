"""The dashboard's front door: a pure ASGI middleware every request passes first.

In order, before any handler runs:

1. the Host header must name this dashboard: localhost, an IP address, or a
   name given with `--allow-host` (a DNS-rebinding page names its own domain);
2. a body larger than the limit is refused from its Content-Length, and a body
   without one is counted as it streams in and refused as it passes the limit,
   so neither is ever read whole (413);
3. with a login, every path but the login page and the static files needs the
   session cookie or the bearer token (401);
4. a POST must come from a page of this dashboard: its Origin (or, without
   one, its Referer) must be `http://` + the Host it was sent to (403); a call
   to a mounted MCP endpoint (/mcp/AGENT) from a program, with neither, passes.

Every response gets the security headers: a Content-Security-Policy that
allows only this server's own scripts and styles (no inline script, no CDN),
no framing, no MIME sniffing, and no caching of pages.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from swarmbus.web.access import Access
from swarmbus.web.settings import WebSettings

PUBLIC_PREFIXES = ("/static/", "/login")
MCP_PREFIX = "/mcp/"  # the MCP endpoints, /mcp/AGENT (see `swarmbus.web.server`)
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
Refusal = Callable[[Scope, int, str], Awaitable[Response]]


class Guard:
    """Checks Host, body size, login and Origin; adds the security headers."""

    def __init__(
        self, app: ASGIApp, settings: WebSettings, access: Access, refuse: Refusal
    ) -> None:
        self.app = app
        self.settings = settings
        self.access = access
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(send, scope["path"])
        problem = self._problem(scope, Headers(scope=scope))
        if problem is not None:
            response = await self.refuse(scope, *problem)
            await response(scope, receive, send)
            return
        await self.app(scope, _capped(receive, self.settings.max_body), send)

    def _problem(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        host = headers.get("host", "")
        if not host_allowed(host, self.settings.allowed_hosts):
            return 400, f"Host {host!r} is not a name of this dashboard"
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > self.settings.max_body:
            return 413, f"a request body may have at most {self.settings.max_body:,} bytes"
        public = scope["path"].startswith(PUBLIC_PREFIXES)
        authorized = self.access.admits(headers.get("cookie", ""), headers.get("authorization", ""))
        if not public and not authorized:
            return 401, "log in with the dashboard's token first"
        if scope["method"] == "POST" and not _origin_allowed(scope["path"], headers, host):
            return 403, "this form was not sent from a page of this dashboard"
        return None


def _origin_allowed(path: str, headers: Headers, host: str) -> bool:
    """A page's POST must come from this dashboard. A call to a mounted MCP endpoint may
    come from a program, which sends no Origin; a browser always sends one, and then it
    must be this dashboard too (the MCP SDK checks Host and Origin again)."""
    if path.startswith(MCP_PREFIX) and "origin" not in headers and "referer" not in headers:
        return True
    return same_origin(headers, host)


def host_allowed(host: str, names: tuple[str, ...]) -> bool:
    """Whether a Host header names this dashboard (an IP address, localhost, or a name)."""
    name = split_host(host)
    if not name:
        return False
    if name == "localhost" or name in names:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def split_host(host: str) -> str:
    """The name of a Host header without its port, lower-cased ('' when malformed)."""
    host = host.strip().lower()
    if host.startswith("["):
        name, bracket, rest = host[1:].partition("]")
        return name if bracket and (rest == "" or rest[1:].isdigit()) else ""
    name, colon, port = host.partition(":")
    return name if not colon or port.isdigit() else ""


def same_origin(headers: Headers, host: str) -> bool:
    """Whether a POST's Origin (or Referer) is this dashboard, as the browser reached it."""
    origin = headers.get("origin") or headers.get("referer")
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    return parts.scheme == "http" and parts.netloc.lower() == host.strip().lower()


def _capped(receive: Receive, limit: int) -> Receive:
    """`receive`, refusing the body once more than `limit` bytes of it arrived."""
    received = 0

    async def receive_capped() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, f"a request body may have at most {limit:,} bytes")
        return message

    return receive_capped


def _with_security_headers(send: Send, path: str) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in SECURITY_HEADERS.items():
                headers.setdefault(name, value)
            if not path.startswith("/static/"):
                headers.setdefault("cache-control", "no-store")
        await send(message)

    return send_with_headers
