"""Which project a command works on: the git repository around a folder.

A reservation's project is the repository's main working tree (the folder
holding its `.git`), resolved, not the linked worktree a command runs in:
agents often work in worktrees of one repository (`git worktree add`), and a
file two of them edit on two branches is the same conflict waiting to happen
at merge time. So every worktree of a repository shares its reservations, and
patterns are relative to the repository's root, as git names paths. Folders
are told from files in the working tree the command runs in.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from swarmbus import errors
from swarmbus.bus import reservation_rules as rules

GIT_TIMEOUT = 10.0  # seconds for one git command


@dataclass(frozen=True)
class Checkout:
    """Where a command runs: the project (its reservations' key) and the working tree."""

    project: str
    worktree: Path


def locate(start: Path, project: str | None = None) -> Checkout:
    """The repository around `start`, or the `--project` folder given (a path, resolved)."""
    if project is not None:
        root = rules.check_project(os.path.abspath(os.path.expanduser(project)))
        if not Path(root).is_dir():
            raise errors.UsageError(f"--project {project!r} is not a folder")
        return Checkout(root, Path(root))
    try:
        found = git(start, "rev-parse", "--show-toplevel", "--git-common-dir")
    except errors.UsageError as exc:
        raise errors.UsageError(
            f"{start} is not inside a git repository's working tree ({exc}); run this in "
            f"one, or pass --project PATH"
        ) from None
    top, common = found.splitlines()[:2]
    worktree = Path(top).resolve()
    common_dir = Path(common) if Path(common).is_absolute() else start / common
    common_dir = common_dir.resolve()
    main = common_dir.parent if common_dir.name == ".git" else common_dir  # bare: the git dir
    return Checkout(rules.check_project(main), worktree)


def git(folder: Path, *args: str) -> str:
    """Run git in `folder`; its output, or `UsageError` with git's own first line."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise errors.UsageError("git is not installed (or not on PATH); this needs it") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise errors.UsageError(f"git failed in {folder}: {exc}") from None
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[0]
        raise errors.UsageError(f"git {args[0]}: {said}")
    return done.stdout
