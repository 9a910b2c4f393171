"""The file-reservation tools: reserve_files, renew_reservations, release_files, who_holds.

The project is the git repository around the server's working folder (where
the editor launched it), or the `project` path given; patterns are relative
to the repository's root, as git names paths. Every worktree of a repository
shares its reservations (see `swarmbus.bus.projects`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import anyio
from pydantic import Field

from swarmbus.mcp.messaging import bounded
from swarmbus.mcp.session import AgentSession
from swarmbus.mcp.views import ConflictView, GrantView, ReservationsView, ReservationView

if TYPE_CHECKING:
    from mcp.server import MCPServer

    from swarmbus.bus.projects import Checkout
    from swarmbus.model.reservations import Reservation

Patterns = Annotated[
    list[str] | None,
    Field(description="Paths or globs relative to the repository root (default: all you hold)."),
]
Project = Annotated[
    str | None,
    Field(description="The repository's root (default: the one the server runs in)."),
]
Ttl = Annotated[float, Field(description="Seconds it lasts from now: 60 to 86400.")]


class ReservationTools:
    """reserve_files, renew_reservations, release_files, who_holds."""

    def __init__(self, session: AgentSession) -> None:
        self._s = session

    def register(self, server: MCPServer) -> None:
        for tool in (self.reserve_files, self.renew_reservations, self.release_files):
            server.add_tool(tool)
        server.add_tool(self.who_holds)

    async def reserve_files(
        self,
        patterns: Annotated[
            list[str], Field(description="Paths or globs relative to the repository root.")
        ],
        ttl_seconds: Ttl = 3600,
        exclusive: Annotated[bool, Field(description="False: others may work there too.")] = True,
        reason: Annotated[str, Field(description="Why, in one line (others see it).")] = "",
        project: Project = None,
    ) -> GrantView:
        """Reserve the files you are about to edit, so other agents keep off them. Each pattern
        is granted, or comes back as a conflict naming its holder, reason and expiry."""

        async def work() -> GrantView:
            checkout = await _locate(project)
            grant = await self._s.bus.reserve(
                self._s.agent,
                patterns,
                checkout.project,
                ttl=ttl_seconds,
                exclusive=exclusive,
                reason=reason,
                worktree=str(checkout.worktree),
            )
            conflicts = [
                ConflictView(pattern=c.pattern, held=_view(c.held)) for c in grant.conflicts
            ]
            granted = [_view(r) for r in grant.granted]
            return GrantView(project=checkout.project, granted=granted, conflicts=conflicts)

        return await bounded(self._s, "reserve_files", work)

    async def renew_reservations(
        self, ttl_seconds: Ttl = 3600, patterns: Patterns = None, project: Project = None
    ) -> ReservationsView:
        """Extend your live reservations (all, or the patterns named) to ttl_seconds from now."""

        async def work() -> ReservationsView:
            checkout = await _locate(project)
            renewed = await self._s.bus.renew(
                self._s.agent, checkout.project, ttl_seconds, patterns
            )
            return ReservationsView(
                project=checkout.project, reservations=[_view(r) for r in renewed]
            )

        return await bounded(self._s, "renew_reservations", work)

    async def release_files(
        self, patterns: Patterns = None, project: Project = None
    ) -> ReservationsView:
        """Release your reservations (all, or the patterns named) when you are done editing."""

        async def work() -> ReservationsView:
            checkout = await _locate(project)
            released = await self._s.bus.release(self._s.agent, checkout.project, patterns)
            return ReservationsView(
                project=checkout.project, reservations=[_view(r) for r in released]
            )

        return await bounded(self._s, "release_files", work)

    async def who_holds(
        self,
        path: Annotated[str, Field(description="A path or glob relative to the repository root.")],
        project: Project = None,
    ) -> ReservationsView:
        """Who holds live reservations covering a path (any agent), before you edit it."""

        async def work() -> ReservationsView:
            checkout = await _locate(project)
            held = await self._s.bus.who_holds(path, checkout.project)
            return ReservationsView(project=checkout.project, reservations=[_view(r) for r in held])

        return await bounded(self._s, "who_holds", work)


async def _locate(project: str | None) -> Checkout:
    """The repository (git runs in a worker thread: the loop keeps serving)."""
    from swarmbus.bus.projects import locate

    return await anyio.to_thread.run_sync(locate, Path.cwd(), project, abandon_on_cancel=True)


def _view(reservation: Reservation) -> ReservationView:
    return ReservationView(
        reservation_id=reservation.reservation_id,
        agent=reservation.agent_id,
        pattern=reservation.pattern,
        exclusive=reservation.exclusive,
        reason=reservation.reason,
        expires_at=reservation.expires_at,
    )
