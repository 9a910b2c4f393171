"""Conversations on the dashboard, through the ASGI interface: unread and overdue counts,
search, the thread of a message, replying from the page, and what the person is owed.
Looking at any of it marks nothing read."""

from __future__ import annotations

import re
from html import unescape

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.web.settings import local_user
from tests.web.conftest import serving
from tests.web.test_forms import cli_error, problem_of, rows

ME = f"web:{local_user()}"


def card(html: str, agent: str) -> str:
    found = re.search(
        rf'<article class="card[^"]*">\s*<header><a class="name" '
        rf'href="/agents/{agent}">.*?</article>',
        html,
        re.DOTALL,
    )
    assert found is not None, f"no card for {agent}"
    return found[0]


def fact(html: str, name: str) -> str:
    found = re.search(rf"<dt>{name}</dt><dd>(.*?)</dd>", html)
    assert found is not None, f"no {name}"
    return re.sub(r"<[^>]+>", "", found[1])


def thread_ids(html: str) -> list[str]:
    return re.findall(r'<li class="post[^"]*"[^>]*id="m-(\w+)"', html)


async def test_the_overview_counts_each_agents_unread_messages_and_overdue_acks(
    bus: Bus,
) -> None:
    await bus.send("person", "Agent-2", "late", ack_within=1)
    await bus.send("person", "Agent-2", "read soon")
    await bus.send("person", "Agent-3", "also late", ack_within=1)
    await bus.read("Agent-2", "Agent-2", limit=1)  # Agent-2 opens its newest
    await anyio.sleep(1.2)  # both deadlines pass, by the database's clock
    async with serving(bus) as site:
        html = (await site.client.get("/")).text
    facts = {
        agent: (fact(card(html, agent), "unread"), fact(card(html, agent), "acks overdue"))
        for agent in ("Agent-1", "Agent-2", "Agent-3")
    }
    assert facts == {
        "Agent-1": ("0", "0"),
        "Agent-2": ("1", "1 overdue"),
        "Agent-3": ("1", "1 overdue"),
    }
    assert re.search(r'<span class="n">2</span><span class="what">acks overdue', html)


async def test_search_finds_a_literal_phrase_within_the_filters_and_marks_each_hit(
    bus: Bus,
) -> None:
    fix = await bus.send("Agent-1", "Agent-2", "please fix bus/api.py today")
    again = await bus.send("Agent-1", "Agent-3", "bus/api.py <b>again</b>", subject="Lint")
    await bus.send("Agent-1", "Agent-2", "bus/api_swarm.py is fine")
    async with serving(bus) as site:
        found = (await site.client.get("/messages", params={"q": "bus/api.py"})).text
        narrowed = await site.client.get(
            "/messages", params={"q": "BUS/API.PY", "agent": "Agent-2"}
        )
        none = (
            await site.client.get("/messages", params={"q": "bus/api.py", "status": "failed"})
        ).text
    assert set(re.findall(r'href="/messages/(\w+)"', found)) == {fix, again}
    assert "<mark>bus/api.py</mark>" in found
    assert "&lt;b&gt;again&lt;/b&gt;" in found
    assert "<b>again" not in found
    assert "<strong>Lint</strong>" in found
    assert "2 messages match" in found
    assert set(re.findall(r'href="/messages/(\w+)"', narrowed.text)) == {fix}
    assert 'value="BUS/API.PY"' in narrowed.text  # the box keeps what was typed
    assert "No messages match “bus/api.py” with these filters" in none
    assert 'sse-connect="/live/messages?q=bus%2Fapi.py' in found


async def test_a_bad_search_shows_the_clis_line_next_to_the_box(
    bus: Bus, swarm: Swarm, capsys: pytest.CaptureFixture[str]
) -> None:
    query = "x" * 501
    async with serving(bus) as site:
        refused = await site.client.get("/messages", params={"q": query, "agent": "Agent-2"})
        stream = await site.client.get("/live/messages", params={"q": query})
    assert refused.status_code == 422
    line = await cli_error(swarm, capsys, "search", query)
    assert problem_of(refused.text, "q") == line
    assert (stream.status_code, stream.text) == (422, line + "\n")  # no stream opens


async def test_search_hits_come_in_pages(bus: Bus) -> None:
    for n in range(60):
        await bus.send("Agent-1", "Agent-2", f"needle {n}")
    async with serving(bus) as site:
        first = (await site.client.get("/messages", params={"q": "needle"})).text
        later = re.search(r'href="/messages\?(q=needle&amp;page=2)">More matches', first)
        assert later is not None
        second = (await site.client.get("/messages?" + unescape(later[1]))).text
        beyond = await site.client.get("/messages", params={"q": "needle", "page": "3"})
    assert len(re.findall(r'<td class="mono"><a href="/messages/', first)) == 50
    assert len(re.findall(r'<td class="mono"><a href="/messages/', second)) == 10
    assert "Better matches" in second
    assert "More matches" not in second
    assert beyond.status_code == 422
    assert problem_of(beyond.text, "page").startswith("page '3' is not allowed")


async def test_a_message_shows_its_whole_thread_in_order_with_each_state(bus: Bus) -> None:
    root = await bus.send(
        "Agent-1", "Agent-2", "plan <the> release", subject="Release", ack_within=3600
    )
    answer = (await bus.reply(root, "Agent-2", "ship Friday")).message_ids["Agent-1"]
    thanks = (await bus.reply(answer, "Agent-1", "thanks")).message_ids["Agent-2"]
    await bus.ack(answer, "Agent-1", "on it")
    await bus.send("Agent-1", "Agent-2", "another thread")
    async with serving(bus) as site:
        html = (await site.client.get(f"/messages/{answer}")).text
    assert thread_ids(html) == [root, answer, thanks]
    current = re.search(
        rf'<li class="post current" aria-current="true" id="m-{answer}">.*?</li>', html, re.DOTALL
    )
    assert current is not None
    assert "acked" in current[0]
    assert "ack note: on it" in current[0]
    first = re.search(rf'id="m-{root}">.*?</li>', html, re.DOTALL)
    assert first is not None
    assert "ack due" in first[0]
    assert "unread" in first[0]
    assert "plan &lt;the&gt; release" in html
    assert '<p class="subject">Release</p>' in html
    assert "acknowledged by Agent-1" in html
    assert [(await bus.get(i)).read_at is None for i in (root, thanks)] == [True, True]


async def test_a_reply_from_the_page_goes_to_the_sender_as_the_person(bus: Bus) -> None:
    asked = await bus.send("Agent-1", "Agent-2", "please review PR 42")
    async with serving(bus) as site:
        page = (await site.client.get(f"/messages/{asked}")).text
        assert "to <strong>Agent-1</strong>" in page  # where the reply will go
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key is not None
        sent = await site.post(f"/messages/{asked}/reply", {"body": "on it <b>", "key": key[1]})
        again = await site.post(f"/messages/{asked}/reply", {"body": "on it <b>", "key": key[1]})
        assert sent.status_code == 303
        reply_id = sent.headers["location"].split("/")[2].split("?")[0]
        shown = (await site.client.get(sent.headers["location"])).text
    reply = await bus.get(reply_id)
    assert (reply.from_agent, reply.to_agent, reply.content) == (ME, "Agent-1", "on it <b>")
    assert (reply.thread_id, reply.reply_to) == (asked, asked)
    assert again.headers["location"] == sent.headers["location"]  # a re-sent form
    assert await rows(bus) == 2
    assert "Your reply is stored in this thread" in shown
    assert thread_ids(shown) == [asked, reply_id]


async def test_a_bad_reply_shows_the_clis_line_and_stores_nothing(
    bus: Bus, swarm: Swarm, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = await bus.send("Agent-1", "Agent-2", "anything?")
    async with serving(bus) as site:
        refused = await site.post(f"/messages/{asked}/reply", {"body": "   ", "key": "k1"})
        unknown = await site.post("/messages/01M8GVJYXR7K1A25GT1PY2PH27/reply", {"body": "hi"})
        forged = await site.client.post(f"/messages/{asked}/reply", data={"body": "hi"})
    assert refused.status_code == 422
    assert problem_of(refused.text, "reply") == await cli_error(
        swarm, capsys, "reply", asked, "   "
    )
    assert unknown.status_code == 404
    assert forged.status_code == 403
    assert await rows(bus) == 1


async def test_for_you_lists_replies_to_the_person_and_marks_nothing_read(bus: Bus) -> None:
    async with serving(bus) as site:
        await site.post("/send", {"to": "Agent-1", "priority": "normal", "body": "which branch?"})
        asked = (await bus.messages(agent="Agent-1"))[0].message_id
        answer = (await bus.reply(asked, "Agent-1", "main <i>")).message_ids[ME]
        root = await bus.send("Agent-3", "Agent-2", "plan the release")
        joined = (await bus.reply(root, ME, "ship Friday")).message_ids["Agent-3"]
        aside = (await bus.reply(joined, "Agent-2", "noted", to=["Agent-3"])).message_ids["Agent-3"]
        unrelated = await bus.send("Agent-1", "Agent-2", "not yours")
        html = (await site.client.get("/for-you")).text
    listed = re.findall(r'<td class="mono"><a href="/messages/(\w+)"', html)
    assert listed == [aside, answer]
    assert unrelated not in html
    assert "main &lt;i&gt;" in html
    assert "(a reply to you, to another)" in html
    assert f"person · {ME}" in html
    assert [(await bus.get(i)).read_at for i in listed] == [None, None]
