"""Every agent's MCP server under one path of the dashboard, each built on first use.

Building a server registers its tools, and the SDK makes a pydantic model and a
JSON schema for each: 35-60 ms and about a MiB an agent, on top of importing the
SDK (0.6 s). `swarmbus web` built every agent's before it answered: for 50 agents,
3.7 s from start to the first page and 110 MiB with 20 streams open, against
0.5 s and 57 MiB now (bench/web.py). A client's first request to an agent pays
its build instead: 0.7 s for the first agent (the import), ~0.1 s for the next.

This module imports no SDK: `server_builder` does, on a first request.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

import anyio
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Router, get_route_path

from swarmbus.bus.requests import shown

if TYPE_CHECKING:
    from anyio.abc import TaskGroup, TaskStatus
    from starlette.types import Receive, Scope, Send

    from swarmbus.bus.api import Bus

Build = Callable[[str], Starlette]  # an agent's name -> its server's ASGI app


class AgentEndpoints:
    """The ASGI app at /mcp: /mcp/AGENT/ is AGENT's server, built by `build` on its first
    request and kept, its lifespan running, until this app's lifespan ends."""

    def __init__(self, build: Build, agents: Collection[str]) -> None:
        self._build = build
        self._agents = agents
        self._served = Router()  # one Mount per agent built so far
        self._built: set[str] = set()
        self._building = anyio.Lock()
        self._group: TaskGroup | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = get_route_path(scope).lstrip("/").partition("/")[0]
        if scope["type"] != "http" or name not in self._agents:
            agents = _listed(self._agents)
            line = f"no MCP server for {shown(name)} here; use /mcp/AGENT/, AGENT one of {agents}"
            await JSONResponse({"error": line}, status_code=404)(scope, receive, send)
            return
        if name not in self._built:
            await self._start(name)
        await self._served(scope, receive, send)

    @contextlib.asynccontextmanager
    async def lifespan(self, _: Any) -> AsyncIterator[None]:
        """While serving: the servers built meanwhile run in this task group."""
        async with anyio.create_task_group() as group:
            self._group = group
            try:
                yield
            finally:
                self._group = None
                group.cancel_scope.cancel()

    async def _start(self, name: str) -> None:
        async with self._building:  # two first requests at once build one server
            if name in self._built:
                return
            if self._group is None:
                raise RuntimeError("the MCP endpoints are served outside their lifespan")
            # in a worker thread: the SDK's first import and the schemas take the
            # event loop's time, and the dashboard's streams would stall meanwhile
            app = await anyio.to_thread.run_sync(self._build, name)
            await self._group.start(_keep_running, app)
            self._served.routes.append(Mount(f"/{name}", app=app))
            self._built.add(name)


async def _keep_running(app: Starlette, *, task_status: TaskStatus[None]) -> None:
    async with app.router.lifespan_context(app):
        task_status.started()
        await anyio.sleep_forever()


def _listed(agents: Collection[str], most: int = 5) -> str:
    names = sorted(agents)
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def agent_endpoints(build: Build, agents: Collection[str]) -> Starlette:
    """`AgentEndpoints` as an app to mount (the dashboard enters its lifespan)."""
    endpoints = AgentEndpoints(build, agents)
    return Starlette(routes=[Mount("/", app=endpoints)], lifespan=endpoints.lifespan)


def server_builder(bus: Bus, host: str, allowed_hosts: Sequence[str] = ()) -> Build:
    """What builds an agent's server on `bus`: `streamable_http_app` behind the Host and
    Origin checks of `host`, with no token (the dashboard's front door and token come
    first). It imports the SDK."""

    def build(name: str) -> Starlette:
        from swarmbus.mcp.http import streamable_http_app
        from swarmbus.mcp.server import build_server

        server = build_server(bus, name)
        return streamable_http_app(server, host=host, allowed_hosts=allowed_hosts, path="/")

    return build


def swarm_endpoints(bus: Bus, host: str, allowed_hosts: Sequence[str] = ()) -> Starlette:
    """Every configured agent's server on `bus`, each built on its first request."""
    return agent_endpoints(server_builder(bus, host, allowed_hosts), tuple(bus.configured))
