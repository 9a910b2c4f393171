"""The agents: the registry with what each agent reports, its coordination efficiency and
V2 compliance, the compliance trend per audit run and the delivery latency over the
last day; and one agent's page with its queue and latest messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from swarmbus.bus.trends import LatencyTrend, Trends
from swarmbus.model import timefmt
from swarmbus.web.charts import Series, line_chart
from swarmbus.web.context import Refused, WebContext, page, web
from swarmbus.web.stream import LiveView

AUDIT_RUNS = 30  # audit runs the compliance chart shows
AGENT_MESSAGES = 20  # messages an agent's page lists


async def load(context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
    """The registry rows, each agent's status line, and the two charts."""
    report = await context.bus.status()
    trends = Trends(context.bus)
    compliance = await trends.compliance(AUDIT_RUNS)
    latency = await trends.latency()
    return {
        "workspaces": await context.bus.agents(),
        "lines": {line.name: line for line in report.agents},
        "compliance_chart": line_chart(
            "V2 compliance, average per audit run",
            [Series("average score", "series-a", [(p.at, p.average) for p in compliance])],
            lambda v: f"{v:.0f} %",
        ),
        "latency_chart": _latency_chart(latency),
        "latency": latency,
        "now": timefmt.utcnow(),
    }


def _latency_chart(trend: LatencyTrend) -> Markup:
    hours = trend.width.total_seconds() / 3600
    return line_chart(
        f"Delivery latency (sent to delivered), per {hours:g} h",
        [
            Series("median", "series-a", [(b.start, b.p50_ms) for b in trend.buckets]),
            Series("95th percentile", "series-b", [(b.start, b.p95_ms) for b in trend.buckets]),
        ],
        _duration,
    )


def _duration(milliseconds: float) -> str:
    if milliseconds >= 60_000:
        return f"{milliseconds / 60_000:.1f} min"
    if milliseconds >= 1000:
        return f"{milliseconds / 1000:.1f} s"
    return f"{milliseconds:.0f} ms"


async def load_agent(context: WebContext, chosen: Mapping[str, str]) -> dict[str, Any]:
    """One agent: its registry row, status line and latest messages (404 when unknown)."""
    name = chosen.get("name", "")
    if name not in context.bus.configured:
        raise Refused(404, f"no agent is called {name!r}; see the agents page for their names")
    line = await context.bus.agent_status(name)
    workspaces = {ws.agent_id: ws for ws in await context.bus.agents()}
    return {
        "workspace": workspaces[name],
        "line": line,
        "messages": await context.bus.messages(agent=name, limit=AGENT_MESSAGES),
        "now": timefmt.utcnow(),
    }


VIEW = LiveView("agents", "live/agents.html", load)
AGENT_VIEW = LiveView("agent", "live/agent.html", load_agent, ("name",))


async def agents(request: Request) -> HTMLResponse:
    return page(request, "agents.html", await VIEW.first_draw(web(request), {}))


async def agent(request: Request) -> HTMLResponse:
    chosen = {"name": request.path_params["name"]}
    values = await AGENT_VIEW.first_draw(web(request), chosen)
    return page(request, "agent.html", {**values, "name": chosen["name"]})
