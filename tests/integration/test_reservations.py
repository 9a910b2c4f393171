"""File reservations through the Bus, on both backends: grants and conflicts, notes,
renewal and expiry by the database's clock, release, force release, bad input."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import anyio.to_thread
import pytest

from swarmbus import errors
from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.model import timefmt
from swarmbus.storage.database import describe
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def project(tmp_path: Path) -> str:
    root = tmp_path / "repo"
    (root / "storage").mkdir(parents=True)
    (root / "src" / "a").mkdir(parents=True)
    return str(root)


async def test_a_grant_has_the_databases_times_and_the_asked_ttl(bus: Bus, project: str) -> None:
    grant = await bus.reserve("Agent-1", ["src/a/*.py"], project, ttl=120, reason="refactor")
    [held] = grant.granted
    assert (held.agent_id, held.project, held.pattern) == ("Agent-1", project, "src/a/*.py")
    assert held.exclusive
    assert held.reason == "refactor"
    assert held.expires_at - held.created_at == timedelta(seconds=120)
    assert grant.conflicts == []
    assert grant.notified == []
    assert [r.reservation_id for r in await bus.reservations()] == [held.reservation_id]


async def test_a_conflict_names_the_holder_its_reason_and_expiry_and_the_rest_is_granted(
    bus: Bus, project: str
) -> None:
    first = await bus.reserve("Agent-1", ["src/**"], project, reason="the claim query")
    grant = await bus.reserve("Agent-2", ["src/a/*.py", "docs/x.md"], project)
    assert [r.pattern for r in grant.granted] == ["docs/x.md"]
    [conflict] = grant.conflicts
    assert conflict.pattern == "src/a/*.py"
    assert conflict.holder == "Agent-1"
    assert conflict.held.pattern == "src/**"
    assert conflict.held.reason == "the claim query"
    assert conflict.expires_at == first.granted[0].expires_at
    holders = {r.pattern: r.agent_id for r in await bus.reservations(project)}
    assert holders == {"src/**": "Agent-1", "docs/x.md": "Agent-2"}


async def test_every_conflict_is_reported(bus: Bus, project: str) -> None:
    await bus.reserve("Agent-1", ["src/a/x.py"], project)
    await bus.reserve("Agent-2", ["src/a/y.py"], project, exclusive=False)
    grant = await bus.reserve("Agent-3", ["src/a/*.py"], project, exclusive=False)
    assert grant.granted == []
    assert sorted(c.holder for c in grant.conflicts) == ["Agent-1"]  # shared beside shared: fine
    grant = await bus.reserve("Agent-3", ["src/**"], project)
    assert sorted(c.holder for c in grant.conflicts) == ["Agent-1", "Agent-2"]


async def test_projects_are_apart(bus: Bus, project: str, tmp_path: Path) -> None:
    await bus.reserve("Agent-1", ["src/**"], project)
    grant = await bus.reserve("Agent-2", ["src/**"], str(tmp_path / "other"))
    assert grant.conflicts == []


async def test_an_agent_never_conflicts_with_itself_and_asking_again_refreshes(
    bus: Bus, project: str
) -> None:
    [first] = (await bus.reserve("Agent-1", ["src/**"], project, ttl=60)).granted
    grant = await bus.reserve("Agent-1", ["src/a/*.py", "src/**"], project, reason="again")
    assert grant.conflicts == []
    again = {r.pattern: r for r in grant.granted}
    assert again["src/**"].reservation_id == first.reservation_id
    assert again["src/**"].reason == "again"
    assert again["src/**"].expires_at > first.expires_at
    assert len(await bus.reservations(project)) == 2


async def test_a_shared_grant_beside_a_shared_one_notes_its_holder(bus: Bus, project: str) -> None:
    await bus.reserve("Agent-1", ["src/**"], project, exclusive=False)
    grant = await bus.reserve("Agent-2", ["src/a/x.py"], project, exclusive=False, reason="fix")
    assert [r.pattern for r in grant.granted] == ["src/a/x.py"]
    assert grant.notified == ["Agent-1"]
    [note] = await bus.messages(agent="Agent-1")
    assert note.to_agent == "Agent-1"
    assert note.from_agent == "swarmbus"
    assert note.tags == ["reservation"]
    assert "Agent-2 now works in" in note.content
    assert 'src/a/x.py ("fix"), beside your shared reservation src/**' in note.content


async def test_a_folder_of_the_project_is_reserved_whole(bus: Bus, project: str) -> None:
    grant = await bus.reserve("Agent-1", ["storage", "./src//a/", "notes.txt"], project)
    assert [r.pattern for r in grant.granted] == ["storage/**", "src/a/**", "notes.txt"]
    assert [r.pattern for r in await bus.who_holds("storage/claims.py", project)] == ["storage/**"]
    assert await bus.who_holds("storage2/x.py", project) == []


async def test_renew_extends_by_the_databases_clock(
    bus: Bus, project: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = timefmt.utcnow
    monkeypatch.setattr(timefmt, "utcnow", lambda: real() + timedelta(hours=2))  # a fast host
    [held] = (await bus.reserve("Agent-1", ["src/**"], project, ttl=60)).granted
    assert abs(held.created_at.timestamp() - time.time()) < 30  # the database's now, not ours
    [renewed] = await bus.renew("Agent-1", project, ttl=3600)
    assert renewed.reservation_id == held.reservation_id
    assert (
        timedelta(seconds=3500)
        < renewed.expires_at - held.created_at
        < timedelta(hours=1, seconds=60)
    )
    with pytest.raises(errors.UsageError, match="holds no live reservation of 'docs/\\*\\*'"):
        await bus.renew("Agent-1", project, ttl=600, patterns=["docs/"])


async def _expire(bus: Bus, reservation_id: str) -> None:
    """Move a reservation into the past (the database judges it expired from then on)."""
    query = (
        "UPDATE file_reservations SET created_at = :created, expires_at = :expires "
        "WHERE reservation_id = :id"
    )
    old = timefmt.utcnow() - timedelta(hours=3)
    params = {
        "created": timefmt.to_text(old),
        "expires": timefmt.to_text(old + timedelta(minutes=1)),
        "id": reservation_id,
    }
    async with bus.db.connector.transaction() as tx:
        await tx.execute(query, params)


async def test_an_expired_reservation_holds_nothing(bus: Bus, project: str) -> None:
    [held] = (await bus.reserve("Agent-1", ["src/**"], project)).granted
    await _expire(bus, held.reservation_id)
    assert await bus.reservations() == []
    assert (await bus.reserve("Agent-2", ["src/a/x.py"], project)).conflicts == []
    assert await bus.release("Agent-1", project) == []
    with pytest.raises(errors.UsageError, match="holds no live reservation"):
        await bus.renew("Agent-1", project, patterns=["src/**"])
    assert await bus.reservation_counts() == (1, 1)  # Agent-2's
    assert (await describe(bus.db)).row_counts["file_reservations"] == 2  # history stays


async def test_release_named_or_all(bus: Bus, project: str) -> None:
    await bus.reserve("Agent-1", ["src/**", "docs/", "a.md"], project)
    [released] = await bus.release("Agent-1", project, ["docs"])
    assert released.pattern == "docs/**"
    assert released.released_at is not None
    assert released.released_by is None
    with pytest.raises(errors.UsageError, match=r"of 'b\.md'.*holds: a\.md, src"):
        await bus.release("Agent-1", project, ["a.md", "b.md"])
    assert len(await bus.reservations(project, "Agent-1")) == 2  # nothing was released
    assert {r.pattern for r in await bus.release("Agent-1", project)} == {"src/**", "a.md"}
    assert await bus.reservations() == []


async def test_force_release_records_who_and_why_and_tells_the_holder(
    bus: Bus, project: str
) -> None:
    [held] = (await bus.reserve("Agent-1", ["src/**"], project)).granted
    released = await bus.force_release(held.reservation_id.lower(), "Agent-1 is gone", by="Agent-2")
    assert (released.released_by, released.release_reason) == ("Agent-2", "Agent-1 is gone")
    [told] = await bus.messages(agent="Agent-1")
    assert (told.to_agent, told.from_agent) == ("Agent-1", "Agent-2")
    assert f"released your reservation of src/** in {project}" in told.content
    assert told.content.endswith(": Agent-1 is gone")
    with pytest.raises(errors.UsageError, match="no longer live"):
        await bus.force_release(held.reservation_id, "again", by="person")
    assert (await bus.reserve("Agent-3", ["src/x.py"], project)).conflicts == []


async def test_the_whole_repository_with_force(bus: Bus, project: str) -> None:
    grant = await bus.reserve("Agent-1", ["**"], project, force=True)
    assert [r.pattern for r in grant.granted] == ["**"]
    assert [c.held.pattern for c in (await bus.reserve("Agent-2", ["x"], project)).conflicts] == [
        "**"
    ]


async def test_a_bypass_tells_each_holder_whose_path_was_committed(bus: Bus, project: str) -> None:
    await bus.reserve("Agent-1", ["src/**"], project)
    await bus.reserve("Agent-2", ["docs/*.md"], project, exclusive=False)  # shared: not bypassed
    sent = await bus.report_bypass("Agent-3", project, ["src/a/x.py", "docs/y.md", "z.txt"])
    [note] = [await bus.get(message_id) for message_id in sent]
    assert (note.to_agent, note.from_agent, note.tags) == (
        "Agent-1",
        "guard:Agent-3",
        ["guard-bypass"],
    )
    assert "Agent-3 committed in" in note.content
    assert "- src/a/x.py (your src/**)" in note.content
    assert await bus.report_bypass("Agent-1", project, ["src/a/x.py"]) == []  # its own


async def test_the_hooks_read_sees_only_others_live_exclusive_reservations(
    bus: Bus, project: str
) -> None:
    from swarmbus.storage import guard_reads

    [held] = (await bus.reserve("Agent-1", ["src/**"], project, reason="why")).granted
    await bus.reserve("Agent-2", ["docs/**"], project, exclusive=False)
    await bus.reserve("Agent-3", ["x.py"], project)
    await bus.release("Agent-3", project)
    location = bus.swarm.database
    rows = await anyio.to_thread.run_sync(guard_reads.holds, location, project, "Agent-2")
    assert rows == [
        {
            "agent_id": "Agent-1",
            "pattern": "src/**",
            "reason": "why",
            "expires_at": timefmt.to_text(held.expires_at),
        }
    ]
    assert await anyio.to_thread.run_sync(guard_reads.holds, location, project, "Agent-1") == []
    assert await anyio.to_thread.run_sync(guard_reads.holds, location, "/else", "Agent-2") == []


async def test_an_agent_that_left_the_config_gets_no_note_and_blocks_no_grant(
    make_swarm: Callable[..., Swarm], project: str
) -> None:
    async with await Bus.open(make_swarm()) as bus:
        await bus.reserve("Agent-1", ["src/**"], project, exclusive=False)
    async with await Bus.open(make_swarm(["Agent-2", "Agent-3"])) as bus:
        grant = await bus.reserve("Agent-2", ["src/a.py"], project, exclusive=False)
        assert [r.pattern for r in grant.granted] == ["src/a.py"]
        assert grant.notified == []
        with pytest.raises(errors.UsageError, match="committer 'a b' is not allowed"):
            await bus.report_bypass("a b", project, ["src/a.py"])
