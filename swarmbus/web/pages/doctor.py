"""The doctor: the latest `integration_tests` run with each check, earlier runs, and a
button that runs every check again (one run at a time per dashboard)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from swarmbus.bus.doctor_runs import DoctorRuns
from swarmbus.model import timefmt
from swarmbus.web.context import Refused, WebContext, page, web
from swarmbus.web.forms import read_form
from swarmbus.web.stream import LiveView

EARLIER_RUNS = 10


async def load(context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
    runs = DoctorRuns(context.bus)
    return {
        "latest": await runs.latest(),
        "history": await runs.history(EARLIER_RUNS),
        "running": context.doctor_running.locked(),
        "now": timefmt.utcnow(),
    }


VIEW = LiveView("doctor", "live/doctor.html", load)


async def doctor(request: Request) -> HTMLResponse:
    return page(request, "doctor.html", await VIEW.first_draw(web(request), {}))


async def run_doctor(request: Request) -> RedirectResponse:
    """Run every check once; its rows appear on the page (live) as the run is recorded."""
    await read_form(request)
    context = web(request)
    if context.doctor_running.locked():
        raise Refused(409, "a doctor run is under way already; its results appear here shortly")
    async with context.doctor_running:
        await context.operations.doctor()
    return RedirectResponse("/doctor", 303)
