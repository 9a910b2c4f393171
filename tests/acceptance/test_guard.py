"""The guard in real temporary git repositories: `swarmbus guard install`, then real
`git commit`s that are allowed, refused, warned about, bypassed (and recorded); an earlier
hook chained and put back byte for byte; swarmbus missing from PATH; a linked worktree."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from swarmbus.bus.opening import open_bus
from tests.conftest import write_swarm

BIN = str(Path(sys.executable).parent)  # the venv's bin: swarmbus-guard is there
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"  # git and sh, no swarmbus
EARLIER_HOOK = (
    b"#!/bin/sh\n# someone's own hook\necho 'earlier hook ran' >&2\nexit ${EARLIER_EXIT:-0}\n"
)


class Repo:
    """A git repository with a swarm config beside it, and helpers to drive both."""

    def __init__(self, root: Path, config: Path) -> None:
        self.root = root
        self.config = config

    def env(self, agent: str | None = "Agent-2", **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SWARMBUS_", "GIT_"))}
        env.update(PATH=f"{BIN}:{BARE_PATH}", SWARMBUS_CONFIG=str(self.config), **extra)
        env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t")
        env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
        if agent is not None:
            env["SWARMBUS_AGENT"] = agent
        return env

    def run(
        self, *args: str, cwd: Path | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        agent = env.pop("agent", "Agent-2")
        return subprocess.run(
            args,
            cwd=cwd or self.root,
            env=self.env(agent, **env),
            capture_output=True,
            text=True,
            timeout=60,
        )

    def swarmbus(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "swarmbus", *args, cwd=cwd)

    def commit(
        self, *files: str, cwd: Path | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        folder = cwd or self.root
        for name in files:
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{name} {len(list(folder.rglob('*')))}\n")
        self.run("git", "add", *files, cwd=folder)
        return self.run("git", "commit", "-q", "-m", "change", cwd=folder, **env)

    def commits(self) -> int:
        return int(self.run("git", "rev-list", "--count", "HEAD").stdout)

    def reserve(self, agent: str, patterns: list[str], **options: object) -> None:
        async def go() -> None:
            async with await open_bus(self.config) as bus:
                await bus.reserve(agent, patterns, str(self.root.resolve()), **options)  # type: ignore[arg-type]

        anyio.run(go)

    def messages_to(self, agent: str) -> list[object]:
        async def go() -> list[object]:
            async with await open_bus(self.config) as bus:
                return list(await bus.messages(agent=agent))

        return anyio.run(go)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    root = tmp_path / "repo"
    root.mkdir()
    config = write_swarm(tmp_path, ["Agent-1", "Agent-2", "Agent-3"])
    made = Repo(root, config)
    made.run("git", "init", "-q", "-b", "main")
    assert made.commit("README.md").returncode == 0  # no hook yet
    return made


def hook(repo: Repo) -> Path:
    return repo.root / ".git" / "hooks" / "pre-commit"


def install(repo: Repo, *args: str) -> None:
    done = repo.swarmbus("guard", "install", *args)
    assert done.returncode == 0, done.stderr


def test_a_commit_of_free_or_own_paths_is_allowed(repo: Repo) -> None:
    install(repo)
    repo.reserve("Agent-1", ["storage/"], reason="the claim query")
    assert repo.commit("docs/notes.md").returncode == 0
    own = repo.commit("storage/claims.py", agent="Agent-1")
    assert own.returncode == 0, own.stderr
    assert own.stderr == ""
    assert repo.commits() == 3


def test_a_commit_touching_anothers_exclusive_path_is_refused_line_by_line(repo: Repo) -> None:
    install(repo)
    repo.reserve("Agent-1", ["storage/"], reason="the claim query")
    repo.reserve("Agent-3", ["docs/*.md"], exclusive=False)  # shared: never blocks
    refused = repo.commit("storage/claims.py", "storage/leases.py", "docs/a.md", "free.txt")
    assert refused.returncode != 0
    lines = refused.stderr.splitlines()
    assert lines[0] == (
        "swarmbus guard: commit refused: 2 staged paths are reserved exclusively by other agents"
    )
    for line, path in zip(lines[1:3], ["storage/claims.py", "storage/leases.py"], strict=True):
        assert line.startswith(f"swarmbus guard: {path}: held by Agent-1 (storage/**) until 20")
        assert line.endswith(' min): "the claim query"')
    assert "SWARMBUS_GUARD=off" in lines[3]
    assert repo.commits() == 1


def test_a_deletion_touches_the_path_too(repo: Repo) -> None:
    assert repo.commit("storage/claims.py").returncode == 0
    install(repo)
    repo.reserve("Agent-1", ["storage/claims.py"])
    repo.run("git", "rm", "-q", "storage/claims.py")
    refused = repo.run("git", "commit", "-q", "-m", "remove")
    assert refused.returncode != 0
    assert "storage/claims.py: held by Agent-1" in refused.stderr


def test_warn_mode_prints_and_lets_the_commit_through(repo: Repo) -> None:
    install(repo, "--mode", "warn")
    repo.reserve("Agent-1", ["src/**"], reason="rewrite")
    warned = repo.commit("src/a.py")
    assert warned.returncode == 0
    assert warned.stderr.startswith("swarmbus guard: warning (warn mode, commit allowed): a staged")
    assert "src/a.py: held by Agent-1 (src/**)" in warned.stderr
    assert repo.commits() == 2


def test_a_bypass_lets_one_commit_through_and_tells_the_holder(repo: Repo) -> None:
    install(repo)
    repo.reserve("Agent-1", ["src/**"])
    passed = repo.commit("src/a.py", SWARMBUS_GUARD="off")
    assert passed.returncode == 0, passed.stderr
    assert "committing past the reservations of Agent-1 on 1 paths" in passed.stderr
    [told] = repo.messages_to("Agent-1")
    assert told.from_agent == "guard:Agent-2"  # type: ignore[attr-defined]
    assert told.tags == ["guard-bypass"]  # type: ignore[attr-defined]
    assert "- src/a.py (your src/**)" in told.content  # type: ignore[attr-defined]
    assert repo.commit("src/b.py").returncode != 0  # for one commit only


def test_an_earlier_hook_is_chained_then_put_back_byte_for_byte(repo: Repo) -> None:
    earlier = hook(repo)
    earlier.write_bytes(EARLIER_HOOK)
    earlier.chmod(0o750)
    before = (earlier.read_bytes(), stat.S_IMODE(earlier.stat().st_mode))
    install(repo)
    assert earlier.read_bytes() != before[0]
    ran = repo.commit("a.txt")
    assert ran.returncode == 0
    assert "earlier hook ran" in ran.stderr
    failing = repo.commit("b.txt", EARLIER_EXIT="7")  # its exit status counts
    assert failing.returncode != 0
    install(repo, "--mode", "warn")  # a second install keeps the chained hook
    done = repo.swarmbus("guard", "uninstall")
    assert done.returncode == 0, done.stderr
    assert (earlier.read_bytes(), stat.S_IMODE(earlier.stat().st_mode)) == before
    assert sorted(p.name for p in earlier.parent.glob("pre-commit*")) == [
        "pre-commit",
        "pre-commit.sample",
    ]


def test_uninstall_without_an_earlier_hook_leaves_none(repo: Repo) -> None:
    install(repo)
    assert repo.swarmbus("guard", "uninstall").returncode == 0
    assert not hook(repo).exists()
    again = repo.swarmbus("guard", "uninstall")
    assert again.returncode == 2
    assert again.stderr.startswith("error: no swarmbus guard is installed:")


def test_swarmbus_missing_from_path_allows_the_commit_with_one_line(repo: Repo) -> None:
    install(repo)
    repo.reserve("Agent-1", ["src/**"])
    (repo.root / "src").mkdir()
    (repo.root / "src" / "a.py").write_text("x\n")
    repo.run("git", "add", "src/a.py")
    env = {**repo.env(), "PATH": BARE_PATH}
    done = subprocess.run(
        ["git", "commit", "-q", "-m", "x"], cwd=repo.root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stderr == (
        "swarmbus guard: swarmbus-guard is not on PATH; commit allowed unchecked\n"
    )


def test_a_guard_that_cannot_check_allows_the_commit_with_one_line(repo: Repo) -> None:
    install(repo)
    done = repo.commit("a.txt", SWARMBUS_DB=str(repo.root.parent / "nowhere.db"))
    assert done.returncode == 0
    assert done.stderr.startswith("swarmbus guard: cannot check reservations (no swarmbus database")
    assert done.stderr.endswith("; commit allowed\n")
    assert len(done.stderr.splitlines()) == 1


def test_a_linked_worktree_is_guarded_by_the_same_hook(repo: Repo, tmp_path: Path) -> None:
    install(repo)
    other = tmp_path / "other"
    assert repo.run("git", "worktree", "add", "-q", "-b", "other", str(other)).returncode == 0
    repo.reserve("Agent-1", ["src/**"])
    refused = repo.commit("src/a.py", cwd=other)
    assert refused.returncode != 0
    assert "src/a.py: held by Agent-1" in refused.stderr


def test_core_hooks_path_is_where_the_hook_goes(repo: Repo) -> None:
    repo.run("git", "config", "core.hooksPath", "githooks")
    install(repo)
    assert (repo.root / "githooks" / "pre-commit").is_file()
    repo.reserve("Agent-1", ["src/**"])
    assert repo.commit("src/a.py").returncode != 0
