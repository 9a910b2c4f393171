"""Logging in with the dashboard's token, once per browser, and logging out.

The login form carries no CSRF token (a page anyone may load must not hand
one out); the front door's Origin check covers it, and a forged login could
only log a browser into its own dashboard anyway.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from swarmbus.web.context import Refused, web
from swarmbus.web.forms import FORM_TYPE, read_form, text


def _next(path: str) -> str:
    """Where to go after logging in: a path of this dashboard, never another site."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


def login_page(request: Request, problem: str | None = None, status: int = 200) -> HTMLResponse:
    """The token form (also the body of every 401 a browser gets)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    asked = request.query_params.get("next", "/") if request.url.path == "/login" else here
    target = _next(asked)
    html = web(request).html(
        "login.html", next=target, problem=problem, request_path="/login", public=True
    )
    return HTMLResponse(html, status)


async def show_login(request: Request) -> HTMLResponse | RedirectResponse:
    if not web(request).access.login_required:
        return RedirectResponse("/", 303)
    return login_page(request)


async def log_in(request: Request) -> HTMLResponse | RedirectResponse:
    """Check the token (constant time); on a match set the session cookie and go on."""
    context = web(request)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        raise Refused(415, f"send forms as {FORM_TYPE}")
    form = await request.form(max_files=0, max_fields=4, max_part_size=4096)
    if not context.access.login_required:
        return RedirectResponse("/", 303)
    if not context.access.token_matches(text(form, "token")):
        return login_page(request, "that is not the dashboard's token", 401)
    response = RedirectResponse(_next(text(form, "next")), 303)
    response.headers.append("set-cookie", context.access.session_cookie())
    return response


async def log_out(request: Request) -> RedirectResponse:
    await read_form(request)
    response = RedirectResponse("/login", 303)
    response.headers.append("set-cookie", web(request).access.logout_cookie())
    return response
