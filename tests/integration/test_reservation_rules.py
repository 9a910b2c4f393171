"""Reservation rules through the Bus on SQLite (they run before any row is read or
written, the same on both backends): bad input refused in one line with nothing stored, and
the overlap table of which reservations conflict."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmbus import errors
from swarmbus.bus.api import Bus
from swarmbus.storage.database import describe


@pytest.fixture
def project(tmp_path: Path) -> str:
    root = tmp_path / "repo"
    (root / "storage").mkdir(parents=True)
    (root / "src" / "a").mkdir(parents=True)
    return str(root)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda b, p: b.reserve("Agent-1", ["/etc/passwd"], p), "'/etc/passwd' is absolute"),
        (lambda b, p: b.reserve("Agent-1", ["src/../x"], p), "contains '..'"),
        (lambda b, p: b.reserve("Agent-1", ["  "], p), "is empty"),
        (lambda b, p: b.reserve("Agent-1", [], p), "name at least one"),
        (lambda b, p: b.reserve("Agent-1", ["**"], p), "covers the whole repository"),
        (lambda b, p: b.reserve("Agent-1", ["./**/*"], p), "covers the whole repository"),
        (lambda b, p: b.reserve("Agent-1", ["a"], p, ttl=59), "ttl 59 s is not allowed"),
        (lambda b, p: b.reserve("Agent-1", ["a"], p, ttl=86_401), "1m to 24h"),
        (lambda b, p: b.reserve("Agent-1", ["a"], p, ttl=float("nan")), "ttl nan"),
        (lambda b, p: b.reserve("Agent-1", ["a"], p, reason="x\ny"), "no control characters"),
        (lambda b, p: b.reserve("Agent-1", ["a"], p, reason="x" * 501), "at most 500"),
        (lambda b, p: b.reserve("Agent-9", ["a"], p), "unknown agent 'Agent-9'"),
        (lambda b, p: b.reserve("Agent-1", ["a"], "relative/dir"), "absolute path"),
        (lambda b, p: b.release("Agent-1", p, ["src/"]), "holds no live reservation"),
        (lambda b, p: b.renew("Agent-1", p, ttl=30), "ttl 30 s"),
        (lambda b, p: b.force_release("nope", "why", "person"), "reservation id 'nope'"),
        (lambda b, p: b.force_release("0" * 26, "why", "person"), "no reservation has id"),
        (lambda b, p: b.force_release("0" * 26, " ", "person"), "needs a reason"),
        (lambda b, p: b.force_release("0" * 26, "why", "Agnet-1"), "releaser 'Agnet-1'"),
        (lambda b, p: b.reservations(p, path="x.py", agent="nobody"), "unknown agent"),
        (lambda b, p: b.reservations(path="x.py"), "name the project"),
    ],
)
async def test_bad_input_is_one_line_and_stores_nothing(
    bus: Bus, project: str, call: object, expected: str
) -> None:
    with pytest.raises(errors.UsageError) as caught:
        await call(bus, project)  # type: ignore[operator]
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2
    assert (await describe(bus.db)).row_counts["file_reservations"] == 0
    assert (await describe(bus.db)).row_counts["agent_messages"] == 0


# ---------------------------------------------------------------- overlap, through the Bus

OVERLAPS = [
    # (held, held exclusive, wanted, wanted exclusive, conflict?)
    ("src/**", True, "src/a/*.py", True, True),
    ("src/a/*.py", True, "src/b/*.py", True, False),
    ("src/**", False, "src/a/*.py", False, False),  # shared beside shared
    ("src/**", False, "src/a.py", True, True),  # one side exclusive is enough
    ("src/**", True, "src/a.py", False, True),
    ("storage", True, "storage/claims.py", True, True),  # a folder of the project
    ("storage/claims.py", True, "storage/", True, True),
    ("storage/", True, "storage2/x.py", True, False),
    ("*.py", True, "src/x.py", True, False),
    ("**/test_*.py", True, "tests/unit/test_globs.py", True, True),
    ("**/test_*.py", True, "tests/unit/conftest.py", True, False),
    ("docs/*.md", True, "**/*.py", True, False),
    ("src/**/x.py", True, "src/x.py", True, True),
    ("a/**/b", True, "a/c/**/d", True, False),
]


@pytest.mark.parametrize(("held", "held_x", "wanted", "wanted_x", "conflict"), OVERLAPS)
async def test_reservations_conflict_exactly_when_patterns_overlap_and_one_is_exclusive(
    bus: Bus,
    project: str,
    held: str,
    held_x: bool,
    wanted: str,
    wanted_x: bool,
    conflict: bool,
) -> None:
    await bus.reserve("Agent-1", [held], project, exclusive=held_x)
    grant = await bus.reserve("Agent-2", [wanted], project, exclusive=wanted_x)
    assert bool(grant.conflicts) is conflict
    assert bool(grant.granted) is not conflict
