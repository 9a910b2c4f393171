"""What every handler of one dashboard process shares, and how a page is answered.

The bus is opened once per process and shared by every request and stream;
the operations (doctor, resume) open the database for themselves, as the CLI's
do. Refusals a handler raises are `Refused` (a status and one line); the error
handlers turn them into the error page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse

from swarmbus import __version__

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus
    from swarmbus.bus.operations import Operations
    from swarmbus.web.access import Access
    from swarmbus.web.live import LiveHub
    from swarmbus.web.settings import WebSettings

NAVIGATION = (
    ("overview", "/", "Overview"),
    ("messages", "/messages", "Messages"),
    ("for-you", "/for-you", "For you"),
    ("send", "/send", "Send"),
    ("reservations", "/reservations", "Reservations"),
    ("agents", "/agents", "Agents"),
    ("doctor", "/doctor", "Doctor"),
)


class Refused(Exception):
    """A request the dashboard answers with an error page: a status and one line."""

    def __init__(self, status: int, line: str) -> None:
        super().__init__(line)
        self.status = status
        self.line = line


@dataclass
class WebContext:
    """One dashboard process: its bus, operations, settings, access, hub and templates."""

    bus: Bus
    operations: Operations
    settings: WebSettings
    access: Access
    hub: LiveHub
    templates: Environment
    doctor_running: anyio.Lock = field(default_factory=anyio.Lock)

    def html(self, template: str, **values: Any) -> str:
        """A template rendered with what every page shows."""
        common = {
            "csrf": "" if values.get("public") else self.access.csrf,  # never to strangers
            "login": self.access.login_required,
            "version": __version__,
            "database": self.bus.location,
            "navigation": NAVIGATION,
            "problem": self.hub.problem,
            "generation": self.hub.generation,
        }
        return self.templates.get_template(template).render({**common, **values})


def web(request: Request) -> WebContext:
    """The context of the process serving `request`."""
    context: WebContext = request.app.state.web
    return context


def page(
    request: Request, template: str, values: Mapping[str, Any], status: int = 200
) -> HTMLResponse:
    """A whole page."""
    return HTMLResponse(
        web(request).html(template, request_path=request.url.path, **values), status
    )
