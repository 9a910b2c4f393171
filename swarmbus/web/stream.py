"""The live part of every page, and the server-sent events that keep it current.

A `LiveView` is a page's live region: a loader that reads what it shows from
the bus, and the template that draws it. The page renders it once; its
`<main>` then opens `/live/NAME?…&seen=GENERATION` (htmx's SSE extension),
and this stream sends the region again (event `update`) for each generation
after the one the page showed, and the database banner (event `banner`)
whenever the problem changes. Streams share the hub's renders (see `live`).
The SSE response is sse-starlette's: it sends keep-alive pings, notices a
closed tab, and ends its streams when uvicorn shuts down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request

from swarmbus import errors
from swarmbus.web.context import Refused, WebContext, web

PING_SECONDS = 15  # keep-alive comments, so proxies and browsers keep the stream open
RETRY_MS = 2000  # how soon a browser reconnects a dropped stream
Loader = Callable[[WebContext, Mapping[str, str]], Awaitable[dict[str, Any]]]
_NOT_SHOWN = object()


@dataclass(frozen=True)
class LiveView:
    """A page's live region: `template` drawn from what `load` reads for the `params`."""

    name: str
    template: str
    load: Loader
    params: tuple[str, ...] = ()

    def chosen(self, query: Mapping[str, str]) -> dict[str, str]:
        """The view's own parameters out of a query string (the rest is left out)."""
        return {name: query[name] for name in self.params if query.get(name)}

    def url(self, chosen: Mapping[str, str], generation: int) -> str:
        """Where the page's stream connects: this view, these parameters, after this generation."""
        return f"/live/{self.name}?{urlencode({**chosen, 'seen': generation})}"

    async def first_draw(self, context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
        """What the page around the region needs: the values now, and where its stream
        connects (after the generation seen once they were read)."""
        values = await self.load(context, chosen)
        return {**values, "live": self.url(chosen, context.hub.generation)}

    async def html(self, context: WebContext, chosen: Mapping[str, str]) -> str:
        """The region as it stands now."""
        return context.html(self.template, **await self.load(context, chosen))


def live_endpoint(views: Mapping[str, LiveView]) -> Callable[[Request], Awaitable[Any]]:
    """The `/live/{name}` handler for these views."""

    async def live(request: Request) -> EventSourceResponse:
        view = views.get(request.path_params["name"])
        if view is None:
            raise Refused(404, f"no live view {request.path_params['name']!r}")
        chosen = view.chosen(request.query_params)
        context = web(request)
        await view.html(context, chosen)  # a bad id or filter is refused before streaming
        seen = _generation(request.query_params.get("seen", ""))
        events = _events(context, view, chosen, seen)
        return EventSourceResponse(events, ping=PING_SECONDS, headers={"cache-control": "no-store"})

    return live


def _generation(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 18 else -1


async def _events(
    context: WebContext, view: LiveView, chosen: Mapping[str, str], seen: int
) -> AsyncIterator[ServerSentEvent]:
    hub = context.hub
    key = (view.name, tuple(sorted(chosen.items())))
    shown: object = _NOT_SHOWN
    hub.streams += 1
    try:
        yield ServerSentEvent(comment="live", retry=RETRY_MS)
        while True:
            seen = await hub.wait_after(seen)
            problem = hub.problem
            if problem is None:
                try:
                    html = await hub.rendered(key, lambda: view.html(context, chosen))
                    yield ServerSentEvent(data=html, event="update")
                except errors.BusError as exc:
                    problem = str(exc)
            if problem != shown:
                shown = problem
                yield ServerSentEvent(
                    data=context.html("banner.html", problem=problem), event="banner"
                )
    finally:
        hub.streams -= 1
