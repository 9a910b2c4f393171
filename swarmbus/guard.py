"""`swarmbus-guard check`: what the git pre-commit hook runs (`swarmbus guard install`).

    swarmbus-guard check --mode block|warn --config PATH --project PATH

It refuses a commit that touches a path another agent reserved exclusively,
naming per path the holder, the reason and the expiry. The committing agent is
`$SWARMBUS_AGENT` (unset: every holder counts). `--mode warn` prints the same
lines and lets the commit through. `SWARMBUS_GUARD=off` lets one commit through
and records it: each holder whose reservation it passed gets a bus message from
`guard:<agent>` tagged `guard-bypass` (`swarmbus messages --agent HOLDER`).

A commit waits for this, so it is its own small face: no typer, no pydantic, no
event loop on the common path (see `swarmbus.bus.guard_check`). It fails open:
when it cannot check (no database, a server down, a broken config) it prints
one line and allows the commit. Exit status: 0 allowed, 3 refused (the hook
exits 1 then); the hook treats anything else as the guard failing, and allows.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from swarmbus.printable import visible

if TYPE_CHECKING:
    from swarmbus.bus.guard_check import Blocked

ALLOWED = 0
REFUSED = 3
USAGE = 2
SAY = "swarmbus guard: "
AGENT_ENV = "SWARMBUS_AGENT"
SWITCH_ENV = "SWARMBUS_GUARD"
MODES = ("block", "warn")
OPTIONS = ("--mode", "--config", "--project")


def main(argv: Sequence[str] | None = None) -> int:
    """The console script `swarmbus-guard`."""
    try:
        options = _options(list(sys.argv[1:] if argv is None else argv))
    except ValueError as exc:
        _say(f"{exc}; usage: swarmbus-guard check --mode block|warn --config PATH --project PATH")
        return USAGE
    return run(options["--mode"], Path(options["--config"]), options["--project"], os.environ)


def run(mode: str, config: Path, project: str, env: Mapping[str, str]) -> int:
    """Check the staged paths; print what blocks them; the exit status for the hook."""
    from swarmbus import errors
    from swarmbus.bus import guard_check

    agent = env.get(AGENT_ENV, "")
    try:
        found = guard_check.check(config, project, agent, env)
    except errors.BusError as exc:
        _say(f"cannot check reservations ({exc}); commit allowed")
        return ALLOWED
    if not found:
        return ALLOWED
    if env.get(SWITCH_ENV, "").strip().lower() == "off":
        return _bypass(found, agent, config, project)
    _show(found, "commit refused" if mode == "block" else "warning (warn mode, commit allowed)")
    if mode == "block":
        _say(f"commit past it once with {SWITCH_ENV}=off (each holder is told), or ask the holder")
        return REFUSED
    return ALLOWED


def _show(found: Sequence[Blocked], headline: str) -> None:
    paths = {b.path for b in found}
    many = f"{len(paths)} staged paths are" if len(paths) > 1 else "a staged path is"
    _say(f"{headline}: {many} reserved exclusively by other agents")
    for item in found:
        hold = item.hold
        why = f': "{hold.reason}"' if hold.reason else ""
        _say(
            f"{item.path}: held by {hold.agent_id} ({hold.pattern}) until "
            f"{_until(hold.expires_at)}{why}"
        )


def _bypass(found: Sequence[Blocked], agent: str, config: Path, project: str) -> int:
    """Let the commit through and record it as a message to each holder passed."""
    import anyio

    from swarmbus import errors
    from swarmbus.bus.opening import open_bus

    paths = sorted({b.path for b in found})

    async def record() -> list[str]:
        async with await open_bus(config, create=False) as bus:
            return await bus.report_bypass(agent or "person", project, paths)

    try:
        sent = anyio.run(record)
    except errors.BusError as exc:
        _say(f"{SWITCH_ENV}=off: commit allowed, but the bypass could not be recorded ({exc})")
        return ALLOWED
    holders = sorted({b.hold.agent_id for b in found})
    _say(
        f"{SWITCH_ENV}=off: committing past the reservations of {', '.join(holders)} on "
        f"{len(paths)} paths; recorded as {len(sent)} messages to them"
    )
    return ALLOWED


def _until(expires_at: str) -> str:
    try:
        moment = datetime.fromisoformat(expires_at).astimezone(UTC)
    except ValueError:
        return expires_at
    minutes = max(0, round((moment - datetime.now(UTC)).total_seconds() / 60))
    return f"{moment:%Y-%m-%d %H:%M} UTC (in {minutes} min)"


def _options(args: list[str]) -> dict[str, str]:
    if not args or args[0] != "check":
        raise ValueError(f"unknown command {args[0] if args else ''!r}")
    pairs = args[1:]
    options = dict(zip(pairs[::2], pairs[1::2], strict=False))
    unknown = sorted(set(options) - set(OPTIONS))
    if len(pairs) % 2 or unknown:
        raise ValueError(f"option {(unknown or pairs[-1:])[0]!r} is not allowed or has no value")
    if any(name not in options for name in OPTIONS) or options["--mode"] not in MODES:
        raise ValueError(f"need {', '.join(OPTIONS)}, with --mode block or warn")
    return options


def _say(line: str) -> None:
    print(SAY + visible(line), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
