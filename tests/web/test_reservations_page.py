"""The reservations page through the ASGI interface: who holds what, the latest releases,
and a force release behind its confirmation step, recorded as the person who asked."""

from __future__ import annotations

import re

import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.web.settings import local_user
from tests.web.conftest import serving
from tests.web.test_forms import cli_error, problem_of

PROJECT = "/home/someone/work/swarmbus"
ME = f"web:{local_user()}"
UNKNOWN = "01M8GVJYXR7K1A25GT1PY2PH27"


async def held(bus: Bus) -> str:
    grant = await bus.reserve("Agent-1", ["storage/**"], PROJECT, reason="claim <query>")
    await bus.reserve("Agent-2", ["docs/*.md"], PROJECT, exclusive=False)
    return grant.granted[0].reservation_id


async def test_the_page_lists_live_reservations_with_a_force_release_link(bus: Bus) -> None:
    reservation_id = await held(bus)
    async with serving(bus) as site:
        html = (await site.client.get("/reservations")).text
        overview = (await site.client.get("/")).text
    rows = re.findall(
        r'<td><a href="/agents/(Agent-\d)">.*?<span class="badge \w+">(\w+)</span>', html, re.DOTALL
    )
    assert sorted(rows) == [("Agent-1", "exclusive"), ("Agent-2", "shared")]
    assert "claim &lt;query&gt;" in html
    assert f'href="/reservations/{reservation_id}/release">Force release…' in html
    assert 'href="/reservations" aria-current="page"' in html  # in the navigation
    assert 'sse-connect="/live/reservations?seen=' in html
    assert re.search(r'<span class="n">2</span><span class="what">files reserved', overview)


async def test_a_force_release_is_confirmed_recorded_as_the_person_and_told_the_holder(
    bus: Bus,
) -> None:
    reservation_id = await held(bus)
    async with serving(bus) as site:
        confirm = await site.client.get(f"/reservations/{reservation_id}/release")
        assert confirm.status_code == 200
        assert f'action="/reservations/{reservation_id}/release"' in confirm.text
        assert f'name="csrf" value="{site.csrf}"' in confirm.text
        assert sorted(r.agent_id for r in await bus.reservations()) == [
            "Agent-1",
            "Agent-2",
        ]  # asking releases nothing
        done = await site.post(
            f"/reservations/{reservation_id}/release", {"reason": "Agent-1 crashed"}
        )
        assert (done.status_code, done.headers["location"]) == (303, "/reservations?done=released")
        after = (await site.client.get(done.headers["location"])).text
    assert [r.agent_id for r in await bus.reservations()] == ["Agent-2"]
    released = (await bus.released_reservations())[0]
    assert (released.released_by, released.release_reason) == (ME, "Agent-1 crashed")
    told = (await bus.messages(agent="Agent-1"))[0]
    assert (told.from_agent, told.tags) == (ME, ["reservation"])
    assert "Agent-1 crashed" in told.content
    assert "Released; its holder was sent a message" in after
    assert f'<span class="badge wait">forced</span> {ME}' in after


async def test_a_force_release_without_a_reason_shows_the_clis_line_and_releases_nothing(
    bus: Bus, swarm: Swarm, capsys: pytest.CaptureFixture[str]
) -> None:
    reservation_id = await held(bus)
    async with serving(bus) as site:
        refused = await site.post(f"/reservations/{reservation_id}/release", {"reason": "  "})
        long = await site.post(f"/reservations/{reservation_id}/release", {"reason": "x" * 501})
    assert refused.status_code == 422
    expected = await cli_error(swarm, capsys, "force-release", reservation_id, "--reason", "  ")
    assert problem_of(refused.text, "reason") == expected
    assert long.status_code == 422
    expected = await cli_error(
        swarm, capsys, "force-release", reservation_id, "--reason", "x" * 501
    )
    assert problem_of(long.text, "reason") == expected
    assert len(await bus.reservations()) == 2
    assert await bus.released_reservations() == []


async def test_unknown_ended_or_forged_releases_are_refused_and_release_nothing(bus: Bus) -> None:
    reservation_id = await held(bus)
    await bus.release("Agent-2", PROJECT)
    ended = (await bus.released_reservations())[0].reservation_id
    async with serving(bus) as site:
        unknown = await site.client.get(f"/reservations/{UNKNOWN}/release")
        unknown_post = await site.post(f"/reservations/{UNKNOWN}/release", {"reason": "x"})
        gone = await site.post(f"/reservations/{ended}/release", {"reason": "x"})
        mangled = await site.client.get("/reservations/not-an-id/release")
        forged = await site.client.post(
            f"/reservations/{reservation_id}/release", data={"reason": "x"}
        )
        fetched = await site.client.get(f"/reservations/{reservation_id}/release?reason=x")
    assert [r.status_code for r in (unknown, unknown_post, gone, mangled)] == [404] * 4
    assert "no live reservation has id" in unknown.text
    assert forged.status_code == 403
    assert fetched.status_code == 200  # a GET only asks
    assert [r.reservation_id for r in await bus.reservations()] == [reservation_id]
