"""File reservations: what `Bus.reserve`, `renew`, `release`, `force_release`,
`reservations`, `who_holds` and `report_bypass` do.

Every request is validated before anything is read (patterns, time to live,
reason, project, agent); a grant then runs in one transaction under the
project's lock (see `swarmbus.storage.reservations`), so two agents racing for
one path cannot both win, and the notes it sends commit with it. Times come
from the database's clock. The rules themselves are `reservation_rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from swarmbus import errors
from swarmbus.bus import requests
from swarmbus.bus import reservation_rules as rules
from swarmbus.bus.outbox import compose
from swarmbus.bus.requests import Envelope
from swarmbus.model import globs, ids
from swarmbus.model.messages import NewMessage
from swarmbus.model.reservations import TTL_DEFAULT, Grant, Reservation, Wanted
from swarmbus.storage.reservations import ReservationRepository

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus

SYSTEM_SENDER = "swarmbus"  # who sends the notes about reservations
TAG = "reservation"
BYPASS_TAG = "guard-bypass"


class ReserveOptions(TypedDict, total=False):
    """The optional part of `Bus.reserve`."""

    ttl: float  # seconds, 60 to 86,400 (default 3,600)
    exclusive: bool  # default True; False: shared, others may reserve beside it
    reason: str  # one line, at most 500 characters
    force: bool  # allow a pattern covering the whole repository (`**`)
    worktree: str | None  # where the files are, to tell folders (default: the project)


class Reservations:
    """The reservation service of one open bus."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.repository = ReservationRepository(bus.db.connector)

    async def reserve(
        self, agent: str, patterns: Sequence[str], project: str, options: ReserveOptions
    ) -> Grant:
        """Grant what does not conflict, report every conflict, note the agents beside it."""
        holder = self.bus.agent(agent).name
        root = rules.check_project(project)
        ttl = rules.check_ttl(options.get("ttl", TTL_DEFAULT))
        reason = rules.check_reason(options.get("reason", ""))
        worktree = Path(options.get("worktree") or root)
        normalized = rules.normalize_patterns(patterns, worktree, force=options.get("force", False))
        exclusive = bool(options.get("exclusive", True))
        wanted = [Wanted(holder, root, p, exclusive, reason, ttl) for p in normalized]
        written, plan = await self.repository.grant(
            root,
            lambda live: rules.grant_plan(wanted, live, self._from_swarmbus),
            rules.may_overlap(normalized),
        )
        if plan.notices:
            self.bus.outbox.announce()
        notified = [n.to_agent for n in plan.notices]
        return Grant(sorted(written, key=_by_pattern(normalized)), plan.conflicts, notified)

    async def renew(
        self, agent: str, project: str, ttl: float, patterns: Sequence[str] | None
    ) -> list[Reservation]:
        """Extend the agent's live reservations (all, or those named) to `ttl` from now."""
        seconds = rules.check_ttl(ttl)
        _holder, _root, chosen = await self._held(agent, project, patterns)
        return await self.repository.renew(chosen, seconds) if chosen else []

    async def release(
        self, agent: str, project: str, patterns: Sequence[str] | None
    ) -> list[Reservation]:
        """Release the agent's live reservations (all, or those named: each must be held)."""
        _holder, _root, chosen = await self._held(agent, project, patterns)
        return await self.repository.release(chosen) if chosen else []

    async def _held(
        self, agent: str, project: str, patterns: Sequence[str] | None
    ) -> tuple[str, str, list[str]]:
        holder = self.bus.agent(agent).name
        root = rules.check_project(project)
        held = await self.repository.live(project=root, agent_id=holder)
        if patterns is None:
            return holder, root, [r.reservation_id for r in held]
        if not patterns:
            raise errors.UsageError("name at least one pattern, or none to mean all")
        named = [rules.normalize_one(p, Path(root)) for p in patterns]
        return holder, root, rules.pick(held, list(dict.fromkeys(named)), holder, root)

    async def force_release(self, reservation_id: str, reason: str, by: str) -> Reservation:
        """Release another agent's live reservation, recording who and why; the holder is told."""
        releaser = requests.check_sender(by, self.bus.configured, "releaser")
        why = rules.check_reason(reason, "force-release reason")
        if not why:
            raise errors.UsageError("a force release needs a reason; say why the holder loses it")
        found = await self.repository.get(_reservation_id(reservation_id))
        if found is None:
            raise errors.UsageError(
                f"no reservation has id {reservation_id!r}; list them with 'swarmbus reservations'"
            )
        released = await self.repository.release(
            [found.reservation_id],
            releaser,
            why,
            lambda done: [
                self._message(r.agent_id, rules.release_note(r, releaser, why), releaser, TAG)
                for r in done
                if r.agent_id in self.bus.configured
            ],
        )
        if not released:
            raise errors.UsageError(
                f"reservation {found.reservation_id} ({found.pattern}, {found.agent_id}) is no "
                f"longer live: it was released or expired already"
            )
        self.bus.outbox.announce()
        return released[0]

    async def live(
        self, project: str | None = None, agent: str | None = None, path: str | None = None
    ) -> list[Reservation]:
        """Live reservations, expiring soonest first; of a project, an agent, or covering a path
        (or overlapping a glob) of the project."""
        holder = self.bus.agent(agent).name if agent is not None else None
        root = rules.check_project(project) if project is not None else None
        if path is not None and root is None:
            raise errors.UsageError("a path is relative to a project; name the project too")
        found = await self.repository.live(project=root, agent_id=holder)
        if path is None:
            return found
        wanted = rules.normalize_one(path, Path(str(root)))
        return [r for r in found if globs.overlap(r.pattern, wanted)]

    async def report_bypass(self, committer: str, project: str, paths: Sequence[str]) -> list[str]:
        """Record a commit that skipped the guard: one message to each agent whose exclusive
        reservation covers a committed path, from `guard:<committer>`; returns their ids."""
        root = rules.check_project(project)
        sender = f"guard:{committer}"
        if not requests.is_valid_sender(sender):
            raise errors.UsageError(
                f"committer {committer!r} is not allowed; names are {requests.SENDER_RULE}"
            )
        live = await self.repository.live(project=root)
        lines = rules.bypassed(live, committer, paths)
        text = (
            f"[reservations] {committer} committed in {root} past the guard (SWARMBUS_GUARD=off):"
        )
        messages = [
            self._message(agent, "\n".join([text, *rules.clipped(found)]), sender, BYPASS_TAG)
            for agent, found in lines.items()
            if agent in self.bus.configured
        ]
        stored = await self.bus.outbox.store_all(messages) if messages else []
        return [s.message_id for s in stored]

    def _from_swarmbus(self, agent: str, text: str) -> NewMessage | None:
        if agent not in self.bus.configured:
            return None  # it left the config: nobody reads its messages
        return self._message(agent, text, SYSTEM_SENDER, TAG)

    def _message(self, agent: str, text: str, sender: str, tag: str) -> NewMessage:
        envelope = Envelope(from_agent=sender, tags=(tag,))
        return compose(envelope, self.bus.agent(agent), text, self.bus.settings.max_retries)


def _reservation_id(text: str) -> str:
    normalized = text.strip().upper()
    if not ids.is_valid(normalized):
        raise errors.UsageError(
            f"reservation id {text!r} is not allowed; ids are {ids.LENGTH} characters "
            f"(list them with 'swarmbus reservations')"
        )
    return normalized


def _by_pattern(order: Sequence[str]) -> Callable[[Reservation], int]:
    rank = {pattern: n for n, pattern in enumerate(order)}
    return lambda r: rank.get(r.pattern, len(rank))
