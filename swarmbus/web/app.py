"""The dashboard as an ASGI app: routes, the front door, error pages, the live hub.

`create_app` takes an open bus and serves it; the app's lifespan runs the
hub's one database watch for as long as the app runs. Refusals end as the
error page (or as one plain line for a stream or a script); a traceback never
reaches a browser.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from swarmbus import errors
from swarmbus.web import render
from swarmbus.web.access import Access
from swarmbus.web.context import Refused, WebContext
from swarmbus.web.forms import FieldProblems
from swarmbus.web.guard import Guard
from swarmbus.web.live import LiveHub
from swarmbus.web.pages import (
    agents,
    doctor,
    login,
    message,
    messages,
    overview,
    person,
    reservations,
    send,
)
from swarmbus.web.stream import live_endpoint

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus
    from swarmbus.bus.operations import Operations
    from swarmbus.web.settings import WebSettings

logger = logging.getLogger(__name__)
SubApp = Starlette  # an app mounted beside the pages; its router's lifespan is entered

LIVE_VIEWS = {
    view.name: view
    for view in (
        overview.VIEW,
        messages.VIEW,
        message.VIEW,
        agents.VIEW,
        agents.AGENT_VIEW,
        doctor.VIEW,
        person.VIEW,
        reservations.VIEW,
    )
}
TITLES = {
    400: "Bad request",
    401: "Log in first",
    403: "Refused",
    404: "Not found",
    405: "Not allowed",
    409: "Not now",
    413: "Too large",
    415: "Unsupported form",
    422: "Not allowed",
    503: "Database unavailable",
}


def routes() -> list[Route | Mount]:
    return [
        Route("/", overview.overview),
        Route("/resume", overview.resume, methods=["POST"]),
        Route("/messages", messages.messages),
        Route("/messages/{message_id}", message.message_page),
        Route("/messages/{message_id}/body", message.body),
        Route("/messages/{message_id}/retry", message.retry, methods=["POST"]),
        Route("/messages/{message_id}/reply", message.reply, methods=["POST"]),
        Route("/send", send.send_form),
        Route("/send", send.send, methods=["POST"]),
        Route("/for-you", person.for_you),
        Route("/reservations", reservations.reservations),
        Route("/reservations/{reservation_id}/release", reservations.confirm),
        Route(
            "/reservations/{reservation_id}/release",
            reservations.force_release,
            methods=["POST"],
        ),
        Route("/agents", agents.agents),
        Route("/agents/{name}", agents.agent),
        Route("/doctor", doctor.doctor),
        Route("/doctor", doctor.run_doctor, methods=["POST"]),
        Route("/login", login.show_login),
        Route("/login", login.log_in, methods=["POST"]),
        Route("/logout", login.log_out, methods=["POST"]),
        Route("/live/{name}", live_endpoint(LIVE_VIEWS)),
        Mount("/static", StaticFiles(packages=[("swarmbus.web", "static")]), name="static"),
    ]


def create_app(
    bus: Bus,
    operations: Operations,
    settings: WebSettings,
    mounts: Sequence[tuple[str, SubApp]] = (),
) -> Starlette:
    """The dashboard of the swarm behind `bus` (open; the caller closes it), with `mounts`
    ((path, app), such as the MCP endpoints) served beside the pages behind the same front
    door; each mounted app's lifespan runs inside the dashboard's."""
    access = Access(settings)
    context = WebContext(bus, operations, settings, access, LiveHub(bus), render.environment())

    async def refuse(scope: Scope, status: int, line: str) -> Response:
        return error_response(Request(scope), status, line, public=True)

    app = Starlette(
        routes=[*(Mount(path, app=sub) for path, sub in mounts), *routes()],
        middleware=[Middleware(Guard, settings=settings, access=access, refuse=refuse)],
        exception_handlers={
            HTTPException: _http_error,
            Refused: _refused,
            FieldProblems: _bad_fields,
            errors.UnknownMessage: _unknown,
            errors.UnknownAgent: _unknown,
            errors.StorageError: _unavailable,
        },
        lifespan=_lifespan(context, mounts),
    )
    app.state.web = context
    return app


def _lifespan(context: WebContext, mounts: Sequence[tuple[str, SubApp]]) -> Any:
    """The hub's one database watch, and each mounted app's own lifespan, while serving."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The mounted apps' lifespans end before the watch's task group does: each may
        # hold a task group of its own (the MCP endpoints' servers), and a task group
        # must end inside the scopes it began in, or the stop is a traceback.
        async with anyio.create_task_group() as group:
            group.start_soon(context.hub.run, name="database watch")
            async with contextlib.AsyncExitStack() as stack:
                for _, sub in mounts:
                    await stack.enter_async_context(sub.router.lifespan_context(sub))
                yield
            group.cancel_scope.cancel()

    return lifespan


def error_response(request: Request, status: int, line: str, public: bool = False) -> Response:
    """The error page for a browser; one plain line for a stream, htmx or a script.

    `public`: the request was refused at the front door, maybe before its login was
    checked, so the page must not carry the CSRF token."""
    wants_html = "text/html" in request.headers.get("accept", "")
    if not wants_html or request.url.path.startswith("/live/"):
        return PlainTextResponse(line + "\n", status)
    if status == 401:
        return login.login_page(request, None, 401)
    context: WebContext = request.app.state.web
    values = {"status": status, "title": TITLES.get(status, "Error"), "line": line}
    html = context.html("error.html", request_path=request.url.path, public=public, **values)
    return HTMLResponse(html, status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    lines = {
        404: f"there is no page at {request.url.path}",
        405: f"{request.url.path} does not take {request.method} requests",
    }
    return error_response(request, exc.status_code, lines.get(exc.status_code, str(exc.detail)))


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return error_response(request, exc.status, exc.line)


async def _bad_fields(request: Request, exc: Exception) -> Response:
    """A bad filter where no form shows it (a stream's URL): its lines, as a 422."""
    assert isinstance(exc, FieldProblems)
    return error_response(request, 422, str(exc))


async def _unknown(request: Request, exc: Exception) -> Response:
    return error_response(request, 404, str(exc))


async def _unavailable(request: Request, exc: Exception) -> Response:
    """The database failed under this request: the page says so and keeps retrying."""
    logger.warning("page %s: %s", request.url.path, exc, extra={"action": "web_storage_error"})
    return error_response(request, 503, str(exc))
