"""`swarmbus reserve`, `renew`, `release`, `force-release`, `reservations` and the count in
`status`, run in a real git repository (and a linked worktree of it)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from swarmbus.cli import app
from tests.conftest import write_swarm

runner = CliRunner()


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with a folder and a commit, the current directory of the test."""
    root = tmp_path / "repo"
    (root / "storage").mkdir(parents=True)
    (root / "storage" / "claims.py").write_text("x = 1\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    write_swarm(tmp_path, ["Agent-1", "Agent-2", "Agent-3"])
    monkeypatch.chdir(root)
    return root


def sb(*args: str, agent: str | None = None) -> Any:
    env = {"COLUMNS": "200", "SWARMBUS_CONFIG": "../swarmbus.toml"}
    if agent is not None:
        env["SWARMBUS_AGENT"] = agent
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def sb_json(*args: str, agent: str | None = None, code: int = 0) -> Any:
    result = sb(*args, "--json", agent=agent)
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def test_reserve_then_a_conflict_exits_1_naming_holder_reason_and_expiry(repo: Path) -> None:
    mine = sb("reserve", "storage", "--reason", "refactor the claims", agent="Agent-1")
    assert mine.exit_code == 0, mine.output
    assert mine.stdout.startswith("reserved storage/** (exclusive) until ")
    theirs = sb("reserve", "storage/claims.py", "docs/", "--as", "Agent-2", "--ttl", "30m")
    assert theirs.exit_code == 1
    lines = theirs.stdout.splitlines()
    assert lines[0].startswith("reserved docs/** (exclusive) until ")
    assert lines[1].startswith("refused  storage/claims.py: Agent-1 holds storage/** (exclusive)")
    assert lines[1].endswith('"refactor the claims"')
    data = sb_json("reserve", "storage/x.py", agent="Agent-3", code=1)
    assert data["project"] == str(repo.resolve())
    assert data["granted"] == []
    [conflict] = data["conflicts"]
    assert conflict["pattern"] == "storage/x.py"
    assert conflict["held"]["agent_id"] == "Agent-1"
    assert conflict["held"]["reason"] == "refactor the claims"


def test_a_shared_reservation_beside_another_tells_its_holder(repo: Path) -> None:
    sb_json("reserve", "storage/", "--shared", agent="Agent-1")
    data = sb_json("reserve", "storage/claims.py", "--shared", agent="Agent-2")
    assert data["notified"] == ["Agent-1"]
    [note] = sb_json("messages", "--agent", "Agent-1")
    assert note["from_agent"] == "swarmbus"
    assert "Agent-2 now works in" in note["content"]


def test_reservations_lists_soonest_expiry_first_and_filters(repo: Path) -> None:
    sb_json("reserve", "storage/", "--ttl", "2h", agent="Agent-1")
    sb_json("reserve", "docs/a.md", "--ttl", "5m", agent="Agent-2")
    listed = sb_json("reservations")
    assert [r["pattern"] for r in listed] == ["docs/a.md", "storage/**"]
    assert [r["pattern"] for r in sb_json("reservations", "--agent", "Agent-1")] == ["storage/**"]
    covering = sb_json("reservations", "--path", "storage/claims.py")
    assert [r["agent_id"] for r in covering] == ["Agent-1"]
    table = sb("reservations")
    assert table.exit_code == 0
    assert "Agent-2" in table.stdout
    assert "docs/a.md" in table.stdout
    assert "no live reservations" in sb("reservations", "--agent", "Agent-3").stdout


def test_renew_release_and_force_release(repo: Path) -> None:
    sb_json("reserve", "storage/", "a.py", "--ttl", "1m", agent="Agent-1")
    [renewed] = sb_json("renew", "storage", "--ttl", "3h", agent="Agent-1")
    assert renewed["pattern"] == "storage/**"
    [released] = sb_json("release", "a.py", agent="Agent-1")
    assert released["released_at"] is not None
    refused = sb("release", "a.py", agent="Agent-1")
    assert refused.exit_code == 2
    assert "holds no live reservation of 'a.py'" in refused.stderr
    [held] = sb_json("reservations")
    forced = sb_json("force-release", held["reservation_id"], "--reason", "stuck agent")
    assert forced[0]["released_by"] == "person"
    assert forced[0]["release_reason"] == "stuck agent"
    [told] = sb_json("messages", "--agent", "Agent-1")
    assert told["from_agent"] == "person"
    assert told["content"].endswith(": stuck agent")
    assert sb("release", agent="Agent-1").stdout.startswith("released 0 reservations")


def test_status_counts_live_reservations(repo: Path) -> None:
    sb_json("reserve", "storage/", agent="Agent-1")
    sb_json("reserve", "docs/", "--shared", agent="Agent-2")
    assert sb_json("status")["reservations"] == {"live": 2, "exclusive": 1}
    assert "file reservations: 2 live, 1 of them exclusive" in sb("status").stdout


def test_a_linked_worktree_shares_the_repositorys_reservations(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    git(repo, "worktree", "add", "-q", "-b", "other", str(other))
    monkeypatch.chdir(other)
    mine = sb_json("reserve", "storage", agent="Agent-1")
    assert mine["project"] == str(repo.resolve())  # the main tree, whichever worktree asks
    assert [r["pattern"] for r in mine["granted"]] == ["storage/**"]  # a folder here
    monkeypatch.chdir(repo)
    clash = sb_json("reserve", "storage/claims.py", agent="Agent-2", code=1)
    assert clash["conflicts"][0]["held"]["agent_id"] == "Agent-1"


def test_who_acts_must_be_a_configured_agent(repo: Path) -> None:
    missing = sb("reserve", "a.py")
    assert missing.exit_code == 2
    assert missing.stderr == "error: say which agent you are: --as AGENT, or set $SWARMBUS_AGENT\n"
    typo = sb("reserve", "a.py", agent="Agnet-1")
    assert typo.exit_code == 2
    assert typo.stderr.startswith("error: $SWARMBUS_AGENT 'Agnet-1' is not a configured agent")
    assert sb("reserve", "a.py", "--as", "x:y").stderr.startswith("error: --as 'x:y' is not a")
