"""The rules of file reservations, as pure functions: what a request may ask for, which
live reservations it conflicts with, and what the agents beside it are told.

A conflict is two live reservations of different agents, at least one of them
exclusive, whose patterns can match a common path (`globs.overlap`, decided
exactly). A shared reservation granted beside another agent's shared one is no
conflict, but that agent gets a short note saying who now works there.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from swarmbus import errors
from swarmbus.model import globs
from swarmbus.model.messages import NewMessage
from swarmbus.model.reservations import (
    MAX_PATTERNS,
    MAX_REASON,
    TTL_MAX,
    TTL_MIN,
    Conflict,
    GrantPlan,
    Reservation,
    Wanted,
)

TTL_RULE = f"use {TTL_MIN} to {TTL_MAX} seconds (1m to 24h)"
MAX_PROJECT = 4096  # characters of a project path
NOTE_PATHS = 20  # paths one note lists before "and N more"

Note = Callable[[str, str], None]  # (recipient, line): collects the lines of one message each


def check_ttl(seconds: float) -> float:
    """A time to live in seconds, from a minute to a day."""
    if not isinstance(seconds, int | float) or not math.isfinite(seconds):
        raise errors.UsageError(f"ttl {seconds!r} is not allowed; {TTL_RULE}")
    if not TTL_MIN <= seconds <= TTL_MAX:
        raise errors.UsageError(f"ttl {seconds:g} s is not allowed; {TTL_RULE}")
    return float(seconds)


def check_reason(reason: str, what: str = "reason") -> str:
    """One line of text, at most `MAX_REASON` characters (shown in hooks, chats and Discord)."""
    text = reason.strip()
    if len(text) > MAX_REASON:
        raise errors.UsageError(
            f"{what} {reason[:40]!r}… is {len(text)} characters; use at most {MAX_REASON}"
        )
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text):
        raise errors.UsageError(
            f"{what} {reason!r} is not allowed; use one line of text, no control characters"
        )
    return text


def check_project(project: str | os.PathLike[str]) -> str:
    """The project as stored: an absolute path, resolved (symlinks followed), with '/'."""
    text = os.fspath(project)
    path = Path(text).expanduser()
    if not text.strip() or not path.is_absolute() or len(text) > MAX_PROJECT or "\x00" in text:
        raise errors.UsageError(
            f"project {text!r} is not allowed; use the absolute path of a repository's root"
        )
    return path.resolve().as_posix()


def normalize_patterns(
    patterns: Sequence[str], worktree: Path | None, *, force: bool = False
) -> list[str]:
    """The patterns in canonical form, each once; a folder of `worktree` is taken as `folder/**`.

    Refused: no pattern, too many, an absolute path, '..', an empty pattern, and a
    pattern covering the whole repository unless `force`.
    """
    if not patterns:
        raise errors.UsageError("name at least one path or glob to reserve")
    if len(patterns) > MAX_PATTERNS:
        raise errors.UsageError(
            f"{len(patterns)} patterns are too many; reserve at most {MAX_PATTERNS} at once "
            f"(a folder or a glob covers many files)"
        )
    normalized = [normalize_one(p, worktree) for p in patterns]
    for original, pattern in zip(patterns, normalized, strict=True):
        if not force and globs.covers_everything(pattern):
            raise errors.UsageError(
                f"pattern {original!r} covers the whole repository; name the paths you edit, "
                f"or pass --force to reserve everything"
            )
    return list(dict.fromkeys(normalized))


def normalize_one(pattern: str, worktree: Path | None) -> str:
    """One pattern (or path) in canonical form; `UsageError` naming it when it is not allowed."""

    def is_folder(relative: str) -> bool:
        return worktree is not None and (worktree / relative).is_dir()

    try:
        return globs.normalize(pattern, is_folder)
    except globs.PatternError as exc:
        raise errors.UsageError(str(exc)) from None


def may_overlap(wanted: Sequence[str]) -> Callable[[str], bool]:
    """A quick test of a live pattern against every wanted one: overlapping patterns have
    plain prefixes of which one starts with the other (every path either covers starts with
    both). What fails it cannot conflict, and is not parsed while the project is locked."""
    prefixes = [globs.plain_prefix(p) for p in wanted]

    def test(pattern: str) -> bool:
        head = globs.plain_prefix(pattern)
        return any(head.startswith(p) or p.startswith(head) for p in prefixes)

    return test


def plan_grant(
    wanted: Sequence[Wanted], live: Sequence[Reservation], note: Note
) -> tuple[list[Wanted], list[tuple[Reservation, Wanted]], list[Conflict]]:
    """Split `wanted` into new rows, rows its holder asks for again, and conflicts.

    `note(agent, line)` is called for every other agent whose shared reservation
    overlaps a granted shared one.
    """
    create: list[Wanted] = []
    refresh: list[tuple[Reservation, Wanted]] = []
    conflicts: list[Conflict] = []
    for item in wanted:
        others = [r for r in live if r.agent_id != item.agent_id]
        beside = [r for r in others if globs.overlap(r.pattern, item.pattern)]
        clashes = [r for r in beside if r.exclusive or item.exclusive]
        if clashes:
            conflicts.extend(Conflict(item.pattern, held) for held in clashes)
            continue
        own = [r for r in live if r.agent_id == item.agent_id and r.pattern == item.pattern]
        if own:
            refresh.append((own[0], item))
        else:
            create.append(item)
        for held in beside:  # all shared: they only learn who works there now
            note(held.agent_id, _note_line(item, held))
    return create, refresh, conflicts


def _note_line(item: Wanted, held: Reservation) -> str:
    why = f' ("{item.reason}")' if item.reason else ""
    return f"- {item.pattern}{why}, beside your shared reservation {held.pattern}"


def grant_plan(
    wanted: Sequence[Wanted],
    live: Sequence[Reservation],
    compose: Callable[[str, str], NewMessage | None],
) -> GrantPlan:
    """`plan_grant` with one note per agent told, built by `compose(agent, text)` (None: that
    agent cannot be written to, having left the config)."""
    lines: dict[str, list[str]] = {}
    create, refresh, conflicts = plan_grant(
        wanted, live, lambda agent, line: lines.setdefault(agent, []).append(line)
    )
    notices = [compose(agent, note_text(wanted[0], found)) for agent, found in lines.items()]
    return GrantPlan(create, refresh, conflicts, [n for n in notices if n is not None])


def note_text(first: Wanted, lines: list[str]) -> str:
    """The note to an agent whose shared reservation now has company."""
    head = (
        f"[reservations] {first.agent_id} now works in {first.project} "
        f"(shared reservation, {_duration(first.ttl_seconds)}):"
    )
    return "\n".join([head, *clipped(list(dict.fromkeys(lines)))])


def release_note(released: Reservation, releaser: str, why: str) -> str:
    """The message to the holder of a force-released reservation."""
    return (
        f"[reservations] {releaser} released your reservation of {released.pattern} in "
        f"{released.project} ({released.reservation_id}): {why}"
    )


def clipped(lines: list[str], most: int = NOTE_PATHS) -> list[str]:
    """At most `most` lines, then how many more there were."""
    if len(lines) <= most:
        return lines
    return [*lines[:most], f"… and {len(lines) - most} more"]


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:g} h"


def pick(
    held: Iterable[Reservation], patterns: Sequence[str], agent: str, project: str
) -> list[str]:
    """The ids of `agent`'s live reservations whose patterns are named (a plain path also
    names its folder's `path/**`); `UsageError` naming the first one it does not hold."""
    by_pattern = {r.pattern: r.reservation_id for r in held}
    chosen = []
    for pattern in patterns:
        found = by_pattern.get(pattern) or by_pattern.get(f"{pattern}/**")
        if found is None:
            holding = ", ".join(sorted(by_pattern)) or "nothing"
            raise errors.UsageError(
                f"{agent} holds no live reservation of {pattern!r} in {project}; "
                f"it holds: {holding}"
            )
        chosen.append(found)
    return list(dict.fromkeys(chosen))


def bypassed(
    live: Sequence[Reservation], committer: str, paths: Sequence[str]
) -> dict[str, list[str]]:
    """Per holder, a line for each committed path its exclusive reservations cover."""
    exclusive = [r for r in live if r.exclusive and r.agent_id != committer]
    found: dict[str, list[str]] = {}
    for path in paths:
        for held in exclusive:
            if globs.covers(held.pattern, path):
                found.setdefault(held.agent_id, []).append(f"- {path} (your {held.pattern})")
    return found
