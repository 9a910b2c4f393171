"""Every form through the ASGI interface: what it stores, and the CLI's words for bad fields."""

from __future__ import annotations

import re
from html import unescape

import anyio
import pytest

from swarmbus import cli
from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.storage.database import describe
from swarmbus.web.settings import local_user
from tests.web.conftest import serving
from tests.web.test_pages import dead_letter

GOOD = {"to": "Agent-2", "priority": "high", "tags": "ci, review", "expires_in": "", "body": "hi"}


def problem_of(html: str, field: str) -> str:
    found = re.search(rf'<span class="problem" id="{field}-problem">([^<]*)</span>', html)
    assert found is not None, f"no problem shown next to {field}"
    return unescape(found[1])


async def cli_error(swarm: Swarm, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one line the CLI prints for the same bad value (in a thread: it runs its own loop)."""
    capsys.readouterr()
    status = await anyio.to_thread.run_sync(cli.execute, ["--config", str(swarm.path), *args])
    assert status == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("error: ")
    return line.removeprefix("error: ")


async def rows(bus: Bus) -> int:
    return (await describe(bus.db)).row_counts["agent_messages"]


async def test_send_stores_the_message_as_the_person_at_the_desk(bus: Bus) -> None:
    async with serving(bus) as site:
        form = await site.client.get("/send?to=Agent-2")
        key = re.search(r'name="key" value="([^"]+)"', form.text)
        assert key is not None
        assert '<option value="Agent-3">' in form.text  # the recipients autocomplete
        sent = await site.post("/send", {**GOOD, "key": key[1], "body": "line one\nline two\r\n"})
        assert sent.status_code == 303
        message_id = sent.headers["location"].split("/")[2].split("?")[0]
        message = await bus.get(message_id)
        assert (message.from_agent, message.to_agent) == (f"web:{local_user()}", "Agent-2")
        assert message.content == "line one\nline two\r\n"
        assert (message.priority, message.tags) == ("high", ["ci", "review"])
        again = await site.post("/send", {**GOOD, "key": key[1], "body": "line one\nline two\r\n"})
        assert again.headers["location"] == sent.headers["location"]  # a double click
        assert await rows(bus) == 1


async def test_send_asks_for_an_acknowledgement_by_a_deadline_under_a_subject(bus: Bus) -> None:
    async with serving(bus) as site:
        form = (await site.client.get("/send")).text
        assert 'name="ack_required"' in form
        assert 'name="ack_within"' in form
        sent = await site.post("/send", {**GOOD, "subject": "Release <1.0>", "ack_within": "30m"})
        plain = await site.post("/send", {**GOOD, "ack_required": "on", "body": "no deadline"})
        page = (await site.client.get(sent.headers["location"])).text
    message = await bus.get(sent.headers["location"].split("/")[2].split("?")[0])
    assert (message.subject, message.ack_required) == ("Release <1.0>", True)
    assert message.ack_due_at is not None
    minutes = (message.ack_due_at - message.sent_at).total_seconds() / 60
    assert 29.9 < minutes < 30.1
    other = await bus.get(plain.headers["location"].split("/")[2].split("?")[0])
    assert (other.subject, other.ack_required, other.ack_due_at) == (None, True, None)
    assert "Release &lt;1.0&gt;" in page
    assert "required by Agent-2, due" in page


async def test_a_send_from_another_machine_is_recorded_with_its_address(bus: Bus) -> None:
    async with serving(bus, client="192.0.2.7") as site:
        sent = await site.post("/send", GOOD)
    message_id = sent.headers["location"].split("/")[2].split("?")[0]
    assert (await bus.get(message_id)).from_agent == "web:192.0.2.7"


@pytest.mark.parametrize(
    ("field", "value", "cli_args"),
    [
        ("to", "Agnet-2", ["send", "Agnet-2", "hi"]),
        ("priority", "asap", ["send", "Agent-2", "hi", "--priority", "asap"]),
        ("tags", "ok, not/ok", ["send", "Agent-2", "hi", "--tag", "ok", "--tag", "not/ok"]),
        ("expires_in", "2y", ["send", "Agent-2", "hi", "--expires-in", "2y"]),
        ("body", "   ", ["send", "Agent-2", "   "]),
        ("subject", "s" * 201, ["send", "Agent-2", "hi", "--subject", "s" * 201]),
        ("subject", "two\tcolumns", ["send", "Agent-2", "hi", "--subject", "two\tcolumns"]),
        ("ack_within", "0s", ["send", "Agent-2", "hi", "--ack-within", "0s"]),
        ("ack_within", "31d", ["send", "Agent-2", "hi", "--ack-within", "31d"]),
        ("ack_within", "soon", ["send", "Agent-2", "hi", "--ack-within", "soon"]),
    ],
)
async def test_a_bad_field_shows_the_clis_line_next_to_it_and_stores_nothing(
    bus: Bus,
    swarm: Swarm,
    capsys: pytest.CaptureFixture[str],
    field: str,
    value: str,
    cli_args: list[str],
) -> None:
    async with serving(bus) as site:
        refused = await site.post("/send", {**GOOD, field: value})
    assert refused.status_code == 422
    assert problem_of(refused.text, field) == await cli_error(swarm, capsys, *cli_args)
    assert f'value="{value}"' in refused.text or f">{value}</" in refused.text  # kept
    assert await rows(bus) == 0


@pytest.mark.parametrize(
    ("field", "value", "cli_args"),
    [
        ("agent", "Zed", ["messages", "--agent", "Zed"]),
        ("status", "lost", ["messages", "--status", "lost"]),
        ("since", "3 fortnights", ["messages", "--since", "3 fortnights"]),
    ],
)
async def test_a_bad_filter_shows_the_clis_line_next_to_it(
    bus: Bus,
    swarm: Swarm,
    capsys: pytest.CaptureFixture[str],
    field: str,
    value: str,
    cli_args: list[str],
) -> None:
    async with serving(bus) as site:
        refused = await site.client.get("/messages", params={field: value})
    assert refused.status_code == 422
    assert problem_of(refused.text, field) == await cli_error(swarm, capsys, *cli_args)


async def test_retry_requeues_a_dead_letter_noting_who_asked(bus: Bus) -> None:
    message_id = await dead_letter(bus)
    async with serving(bus) as site:
        retried = await site.post(f"/messages/{message_id}/retry", {})
        assert (retried.status_code, retried.headers["location"]) == (
            303,
            f"/messages/{message_id}",
        )
        page = (await site.client.get(f"/messages/{message_id}")).text
    message = await bus.get(message_id)
    assert (message.delivery_status, message.requeued_by) == ("pending", f"web:{local_user()}")
    assert f"by web:{local_user()}" in page


async def test_retry_of_a_message_that_is_no_dead_letter_says_why(bus: Bus) -> None:
    message_id = await bus.send("Agent-1", "Agent-2", "still pending")
    async with serving(bus) as site:
        refused = await site.post(f"/messages/{message_id}/retry", {})
        unknown = await site.post("/messages/01M8GVJYXR7K1A25GT1PY2PH27/retry", {})
    assert refused.status_code == 409
    assert "is pending; only failed messages (dead letters) can be retried" in refused.text
    assert unknown.status_code == 404
    assert (await bus.get(message_id)).requeued_by is None
