"""The commit hook's matching and its command line, without git or a database."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from swarmbus import guard
from swarmbus.bus import guard_check
from swarmbus.bus.guard_check import Hold
from swarmbus.model import globs

PATTERNS = [
    "storage/**",
    "storage/claims.py",
    "bus/*.py",
    "bus/cli/*.py",
    "**/test_*.py",
    "**/gen.py",
    "docs/*.md",
    "*.toml",
    "src/[ab]/x.py",
    "a/**/b",
    "tools/?.sh",
]
PATHS = [
    "storage/claims.py",
    "storage2/x.py",
    "bus/api.py",
    "bus/cli/main.py",
    "tests/unit/test_globs.py",
    "deep/down/gen.py",
    "gen.py",
    "docs/readme.md",
    "docs/sub/readme.md",
    "pyproject.toml",
    "src/a/x.py",
    "src/c/x.py",
    "a/b",
    "a/x/y/b",
    "tools/x.sh",
    "tools/xy.sh",
]


def naive(holds: list[Hold], paths: list[str]) -> set[tuple[str, str]]:
    return {(p, h.pattern) for p in paths for h in holds if globs.covers(h.pattern, p)}


def test_the_folder_index_finds_exactly_what_every_pattern_covers() -> None:
    holds = [Hold(f"Agent-{n}", p, "", "2030-01-01T00:00:00.000Z") for n, p in enumerate(PATTERNS)]
    found = {(b.path, b.hold.pattern) for b in guard_check.blocked(holds, PATHS)}
    assert found == naive(holds, PATHS)
    assert ("bus/cli/main.py", "bus/*.py") not in found
    assert ("gen.py", "**/gen.py") in found


def test_random_subsets_agree_with_trying_every_pair() -> None:
    rng = random.Random(7)
    for _ in range(50):
        chosen = rng.sample(PATTERNS, rng.randint(1, len(PATTERNS)))
        holds = [Hold("A", p, "", "t") for p in chosen]
        paths = rng.sample(PATHS, rng.randint(1, len(PATHS)))
        found = {(b.path, b.hold.pattern) for b in guard_check.blocked(holds, paths)}
        assert found == naive(holds, paths)


def test_the_database_comes_from_the_environment_or_the_config(tmp_path: Path) -> None:
    config = tmp_path / "swarmbus.toml"
    config.write_text('[database]\npath = "data/bus.db"\n')
    assert guard_check.database_location(config, {}) == str(tmp_path / "data" / "bus.db")
    assert guard_check.database_location(config, {"SWARMBUS_DB": "/x.db"}) == "/x.db"
    config.write_text("[bus]\n")
    assert guard_check.database_location(config, {}) == str(tmp_path / "swarmbus.db")


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["install"],
        ["check"],
        ["check", "--mode", "block", "--config", "x"],
        ["check", "--mode", "sometimes", "--config", "x", "--project", "/p"],
        ["check", "--mode", "block", "--config", "x", "--project", "/p", "--extra", "1"],
        ["check", "--mode", "block", "--config", "x", "--project"],
    ],
)
def test_a_bad_command_line_is_one_line_and_status_2(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert guard.main(args) == guard.USAGE
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("swarmbus guard: ")
    assert "usage: swarmbus-guard check" in lines[0]


def test_a_guard_that_cannot_read_its_config_allows_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard_check, "staged_paths", lambda folder=None: ["a.py"])
    status = guard.run("block", tmp_path / "missing.toml", str(tmp_path), {})
    assert status == guard.ALLOWED
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("swarmbus guard: cannot check reservations (")
    assert "missing.toml: cannot read the config: [Errno 2]" in line
    assert line.endswith("; commit allowed")


def test_nothing_staged_reads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard_check, "staged_paths", lambda folder=None: [])
    assert guard_check.check(tmp_path / "missing.toml", "/p", "A", {}) == []
