"""Every page through the ASGI interface: what it shows, and 404 for what is not there."""

from __future__ import annotations

import re
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest

from swarmbus.agents.auditor.rules import AuditRules
from swarmbus.agents.auditor.runner import AuditRequest
from swarmbus.bus.api import Bus
from swarmbus.bus.audits import Audits
from swarmbus.bus.changes import Change
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.bus.transports.screen_state import PauseMarker
from tests.integration.test_dispatcher import drain
from tests.web.conftest import serving

HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> \x1b[31m'


async def dead_letter(bus: Bus, body: str = "never lands") -> str:
    message_id = await bus.send("Agent-1", "Agent-2", body)
    await drain(bus, MemoryTransport(fail=lambda m, a: "window not found"))
    return message_id


async def test_overview_shows_agents_totals_dead_letters_and_systems(bus: Bus) -> None:
    async with serving(bus) as site:
        await bus.send("Agent-1", "Agent-3", "delivered soon")
        await drain(bus, MemoryTransport())
        dead = await dead_letter(bus)
        await bus.send("Agent-1", "Agent-3", "still waiting")
        await bus.report("Agent-1", "busy", focus="PR 42")
        page = await site.client.get("/")
        assert page.status_code == 200
        html = page.text
        for agent in ("Agent-1", "Agent-2", "Agent-3"):
            assert f'href="/agents/{agent}"' in html
        assert '<span class="badge busy">busy</span>' in html
        assert "PR 42" in html
        assert re.search(r'<span class="n">1</span><span class="what">dead letters', html)
        assert f'action="/messages/{dead}/retry"' in html
        assert "window not found" in html
        assert "messaging@" in html  # the drain's dispatcher heartbeat
        assert f'sse-connect="/live/overview?seen={site.hub.generation}"' in html
        assert f'name="csrf" value="{site.csrf}"' in html


async def test_a_paused_gui_shows_with_its_resume_button_which_resumes(
    bus: Bus,
) -> None:
    async with serving(bus) as site:
        PauseMarker("x11-0").set("mouse in the top-left corner")
        html = (await site.client.get("/")).text
        assert "was paused by the fail-safe" in html
        assert "mouse in the top-left corner" in html
        resumed = await site.post("/resume", {})
        assert (resumed.status_code, resumed.headers["location"]) == (303, "/?done=resumed")
        after = (await site.client.get("/?done=resumed")).text
        assert "paused by the fail-safe" not in after
        assert "GUI delivery resumed" in after


async def test_messages_lists_filters_and_pages(bus: Bus) -> None:
    async with serving(bus) as site:
        sent = [await bus.send("Agent-1", f"Agent-{2 + n % 2}", f"note {n}") for n in range(55)]
        first = (await site.client.get("/messages")).text
        assert first.count('<tr>\n  <td class="mono">') == 50
        older = re.search(r'href="/messages\?before=(\w+)">Older', first)
        assert older is not None
        assert older[1] == sent[5]
        second = (await site.client.get(f"/messages?before={older[1]}")).text
        assert second.count('<td class="mono">') == 5
        assert "Older" not in second
        only = (await site.client.get("/messages?agent=Agent-2&since=1h&status=pending")).text
        assert only.count('<td class="mono">') == 28
        assert "note 1<" not in only  # sent to Agent-3


async def test_a_message_page_shows_the_body_escaped_and_its_history(bus: Bus) -> None:
    async with serving(bus) as site:
        message_id = await dead_letter(bus, HOSTILE)
        page = await site.client.get(f"/messages/{message_id}")
        assert page.status_code == 200
        assert "<script>window.pwned" not in page.text
        assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page.text
        assert "onerror=&#34;window.pwned = 2&#34;" in page.text
        assert "\\x1b[31m" in page.text  # control characters are shown, not sent to the screen
        assert "4 failed of 4 allowed" in page.text
        assert "window not found" in page.text
        raw = await site.client.get(f"/messages/{message_id}/body")
        assert raw.text == HOSTILE
        assert raw.headers["content-type"].startswith("text/plain")
        assert raw.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("/messages/01M8GVJYXR7K1A25GT1PY2PH27", "no message has id '01M8GVJYXR7K1A25GT1PY2PH27'"),
        ("/messages/not-an-id", "no message has id 'not-an-id'"),
        ("/messages/not-an-id/body", "no message has id 'not-an-id'"),
        ("/agents/Agent-9", "no agent is called 'Agent-9'"),
        ("/nowhere", "there is no page at /nowhere"),
    ],
)
async def test_what_is_not_there_is_a_404_page_not_a_traceback(
    bus: Bus, path: str, line: str
) -> None:
    async with serving(bus) as site:
        page = await site.client.get(path)
        assert page.status_code == 404
        assert "404" in page.text
        assert line.replace("'", "&#39;") in page.text or line in page.text
        assert "Traceback" not in page.text


async def test_agents_page_has_the_registry_and_both_trend_charts(bus: Bus, tmp_path: Path) -> None:
    async with serving(bus) as site:
        (tmp_path / "code").mkdir()
        (tmp_path / "code" / "a.py").write_text("x = 1\n")
        await Audits(bus).run(AuditRequest(tmp_path / "code", AuditRules(), agent="Agent-1"))
        await bus.send("Agent-2", "Agent-1", "hi")
        await drain(bus, MemoryTransport())
        html = (await site.client.get("/agents")).text
        assert html.count('<svg class="chart"') == 2
        assert "average score: latest 100 %" in html
        assert "median: latest" in html
        assert "Latency over 1 deliveries" in html
        one = (await site.client.get("/agents/Agent-1")).text
        assert "1 delivered" in one
        assert "hi</td>" in one


async def test_doctor_page_runs_the_checks_and_shows_the_latest_run(
    bus: Bus,
) -> None:
    async with serving(bus) as site:
        before = (await site.client.get("/doctor")).text
        assert "The doctor has not run yet" in before
        ran = await site.post("/doctor", {})
        assert (ran.status_code, ran.headers["location"]) == (303, "/doctor")
        after = (await site.client.get("/doctor")).text
        assert "Latest run" in after
        assert re.search(r"\d+ passed · \d+ failed · \d+ skipped", after)
        assert "heartbeat" in after or "database" in after


async def test_a_database_problem_is_a_banner_and_a_failing_page_retries(
    bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(bus) as site:
        from swarmbus import errors

        site.hub.notice(Change(99, "lost the connection to db (server closed)"))
        html = (await site.client.get("/messages")).text
        assert "The database cannot be read: lost the connection to db (server closed)" in html

        async def broken() -> None:
            raise errors.ConnectionLost("lost the connection to db (server closed)")

        monkeypatch.setattr(bus, "status", broken)
        page = await site.client.get("/")
        assert page.status_code == 503
        assert '<meta http-equiv="refresh" content="5">' in page.text
        assert "lost the connection to db" in page.text
        await anyio.lowlevel.checkpoint()
