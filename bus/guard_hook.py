"""Installing and removing the guard: a git pre-commit hook that checks reservations.

The hook is a short POSIX shell script in the repository's hooks folder (`git
rev-parse --git-path hooks`: shared by every worktree, and `core.hooksPath`
when set). It runs a pre-commit hook that was there before (moved aside to
`pre-commit.swarmbus-chained`, its exit status counts), then `swarmbus-guard`
from PATH with the mode, the config and the project written in at install
time. Without `swarmbus-guard` on PATH, or when it fails, the hook prints one
line and allows the commit: a missing swarmbus never breaks the repository.
Uninstalling moves the earlier hook back, so it is byte for byte (and mode
for mode) what it was.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from swarmbus import errors, fsutil
from swarmbus.bus import projects

HOOK = "pre-commit"
CHAINED = "pre-commit.swarmbus-chained"
MARK = "# swarmbus guard: installed by 'swarmbus guard install'"
MODES = ("block", "warn")
REFUSED = 3  # swarmbus-guard's status for a refused commit

SCRIPT = """#!/bin/sh
{mark}
# It refuses a commit that touches a path another agent reserved exclusively
# ({mode} mode); SWARMBUS_GUARD=off commits past it once, and each holder is told.
# 'swarmbus guard uninstall' puts back the hook that was here before.
mode={mode}
config={config}
project={project}
chained="$(dirname "$0")/{chained}"
if [ -x "$chained" ]; then
    "$chained" "$@" || exit $?
fi
if ! command -v swarmbus-guard >/dev/null 2>&1; then
    echo "swarmbus guard: swarmbus-guard is not on PATH; commit allowed unchecked" >&2
    exit 0
fi
swarmbus-guard check --mode "$mode" --config "$config" --project "$project"
status=$?
if [ "$status" -eq {refused} ]; then
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "swarmbus guard: the check failed (exit status $status); commit allowed" >&2
fi
exit 0
"""


@dataclass(frozen=True)
class HookState:
    """Where the guard's hook is, and the earlier hook it chains (if any)."""

    hook: Path
    chained: Path | None
    mode: str = ""
    project: str = ""


def hooks_folder(start: Path) -> Path:
    """The folder git runs this repository's hooks from (worktrees and core.hooksPath included)."""
    try:
        found = projects.git(start, "rev-parse", "--path-format=absolute", "--git-path", "hooks")
    except errors.UsageError as exc:
        raise errors.UsageError(
            f"{start} is not inside a git repository ({exc}); run 'swarmbus guard' in one"
        ) from None
    return Path(found.strip())


def install(start: Path, mode: str, config: Path, project: str | None = None) -> HookState:
    """Write the guard's hook, chaining a pre-commit hook that is already there."""
    if mode not in MODES:
        raise errors.UsageError(f"--mode {mode!r} is not allowed; use block or warn")
    checkout = projects.locate(start, project)
    folder = hooks_folder(start)
    hook, chained = folder / HOOK, folder / CHAINED
    if _exists(hook) and not is_ours(hook):
        if _exists(chained):
            raise errors.UsageError(
                f"{hook} is not swarmbus's, and {chained} is there already; move one of them "
                f"away, then install again"
            )
        os.replace(hook, chained)  # bytes, mode and all: uninstall moves it back
    text = SCRIPT.format(
        mark=MARK,
        mode=mode,
        config=shlex.quote(str(config.resolve())),
        project=shlex.quote(checkout.project),
        chained=CHAINED,
        refused=REFUSED,
    )
    folder.mkdir(parents=True, exist_ok=True)
    fsutil.atomic_write(hook, text)
    hook.chmod(0o755)
    return HookState(hook, chained if _exists(chained) else None, mode, checkout.project)


def uninstall(start: Path) -> HookState:
    """Remove the guard's hook and put back the one it chained, exactly as it was."""
    folder = hooks_folder(start)
    hook, chained = folder / HOOK, folder / CHAINED
    if not _exists(hook) or not is_ours(hook):
        what = (
            "no pre-commit hook"
            if not _exists(hook)
            else "a pre-commit hook that is not swarmbus's"
        )
        raise errors.UsageError(f"no swarmbus guard is installed: {folder} has {what}")
    if _exists(chained):
        os.replace(chained, hook)
        return HookState(hook, chained)
    hook.unlink()
    return HookState(hook, None)


def is_ours(hook: Path) -> bool:
    """Whether `hook` is a script this module wrote (its second line is the mark)."""
    if hook.is_symlink() or not hook.is_file():
        return False
    with open(hook, "rb") as stream:
        head = stream.read(len(MARK) + 64)
    return MARK.encode() in head.split(b"\n")[:2]


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()  # a dangling link is still someone's hook
