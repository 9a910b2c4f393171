"""The file-reservation methods of `Bus`: reserve, renew, release, who holds what.

A part of the one façade (`swarmbus.bus.api.Bus` inherits it), kept in its own
module so the façade stays readable; the rules live in `bus/reservations.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Unpack

if TYPE_CHECKING:
    from swarmbus.agents.config import AgentConfig, BusConfig, Swarm
    from swarmbus.bus.outbox import Outbox
    from swarmbus.bus.reservations import Reservations, ReserveOptions
    from swarmbus.model.reservations import Grant, Reservation
    from swarmbus.storage.database import Database


class ReservationMethods:
    """Agents' claims on the paths they edit, as `Bus` methods."""

    # What the façade provides (bus/api.py `Bus`):
    db: Database
    swarm: Swarm
    settings: BusConfig
    configured: dict[str, AgentConfig]
    outbox: Outbox

    async def reserve(
        self, agent: str, patterns: Sequence[str], project: str, **options: Unpack[ReserveOptions]
    ) -> Grant:
        """Reserve paths or globs of `project` (a repository's root, absolute) for `agent`.

        Each pattern that overlaps no live reservation of another agent (where at
        least one of the two is exclusive) is granted, atomically against any
        concurrent grant; every conflict comes back with its holder, reason and
        expiry. Options: `ttl` (seconds, 60 to 86,400, default 3,600), `exclusive`
        (default True), `reason`, `force` (allow a pattern covering everything),
        `worktree` (where to tell folders from files; default `project`).
        """
        return await self._reservations.reserve(agent, patterns, project, options)

    async def renew(
        self,
        agent: str,
        project: str,
        ttl: float = 3600,
        patterns: Sequence[str] | None = None,
    ) -> list[Reservation]:
        """Extend `agent`'s live reservations in `project` (all, or the patterns named, each of
        which it must hold) to `ttl` seconds from now, by the database's clock."""
        return await self._reservations.renew(agent, project, ttl, patterns)

    async def release(
        self, agent: str, project: str, patterns: Sequence[str] | None = None
    ) -> list[Reservation]:
        """Release `agent`'s live reservations in `project`: all of them (none held: nothing
        happens), or the patterns named (one it does not hold is refused, nothing released)."""
        return await self._reservations.release(agent, project, patterns)

    async def force_release(
        self, reservation_id: str, reason: str, by: str = "person"
    ) -> Reservation:
        """Release anyone's live reservation; who and why are recorded on the row, and the
        holder gets a message saying so."""
        return await self._reservations.force_release(reservation_id, reason, by)

    async def reservations(
        self, project: str | None = None, agent: str | None = None, path: str | None = None
    ) -> list[Reservation]:
        """Live reservations, expiring soonest first: of one project, of one agent, and
        covering `path` (or overlapping a glob; relative to `project`)."""
        return await self._reservations.live(project, agent, path)

    async def who_holds(self, path: str, project: str) -> list[Reservation]:
        """The live reservations of `project` covering `path` (relative to it), any agent."""
        return await self._reservations.live(project, None, path)

    async def report_bypass(self, committer: str, project: str, paths: Sequence[str]) -> list[str]:
        """Record a commit that skipped the guard (`SWARMBUS_GUARD=off`): each agent whose
        exclusive reservation covers a committed path gets a message; returns their ids."""
        return await self._reservations.report_bypass(committer, project, paths)

    async def reservation_counts(self) -> tuple[int, int]:
        """How many reservations are live across every project, and how many are exclusive."""
        return await self._reservations.repository.count_live()

    async def released_reservations(self, limit: int = 20) -> list[Reservation]:
        """The latest released reservations, newest first: a force release names who released
        it and why (`released_by`, `release_reason`)."""
        from swarmbus.bus import requests

        requests.check_limit(limit)
        return await self._reservations.repository.released(limit)

    @cached_property
    def _reservations(self) -> Reservations:
        from swarmbus.bus.reservations import Reservations

        return Reservations(self)
