"""Where a dispatcher's next claim comes from: what was announced, or every lane's head.

A full claim reads the head of every lane this dispatcher serves, then takes the ready
runs: two round trips on PostgreSQL, two reads and a write on SQLite. After a full claim
that left nothing ready behind, each wake-up that came from a send naming its message
(PostgreSQL's NOTIFY and SQLite's datagram carry the lane and id of a message sent alone:
`storage.announcements`) brings that message and nothing else. Taking the named
messages then is all a full claim would find, and takes one statement: each run is
taken only if it is still its lane's ready head (`ClaimRepository.claim_announced`), so
per-lane order holds as before.

Anything else calls for a full claim: a wake-up that named nothing (a batch, a requeue,
a send in this process, a lane that finished, the first claim), more named than were
kept, more than there is room for, a lane's deadline passed, or a named message that
could not be taken. A named message of a lane this dispatcher is delivering is left to
that lane, which claims again when it ends; one of a lane it does not serve (another
host's screen) to that lane's dispatcher. When everything that woke it is claimed,
lanes that end need not wake the loop to look again (`DispatchContext.lane_finished`),
so a steady stream of sends stays on this path.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

from swarmbus import errors
from swarmbus.bus.context import DispatchContext
from swarmbus.storage.announcements import Named
from swarmbus.storage.claims import Claim, Lane


class ClaimSource:
    """The claims of one dispatcher's loop, and what it knows between two full claims."""

    def __init__(self, ctx: DispatchContext, *, announced: bool) -> None:
        self.ctx = ctx
        self._announced = announced  # False: every claim is full (`run --once`, no LISTEN)
        self._sets = 0  # the wake-up count when announcements were last taken
        self._settled = False  # the last claim left nothing ready behind
        self._due_at: float | None = None  # monotonic: when a lane waiting then is due

    async def claim(self, room: int, routes: Mapping[Lane, int]) -> Claim:
        """The next claim; a full one raises what the database raised. Every `sweep`
        seconds a full one over the lanes left to peers too (`bus.sharing`)."""
        if self.ctx.shares.sweep_due():
            routes = self.ctx.claimable_lanes(everyone=True)
        elif (announced := await self._of_announced(room, routes)) is not None:
            return announced
        self._take()  # the full claim reads all of it
        claim = await self.ctx.bus.db.claims.claim(
            routes,
            limit=room,
            lease_seconds=self.ctx.bus.settings.lease_seconds,
            claimed_by=self.ctx.name,
        )
        self._settled = not claim.more
        due_in = claim.next_due_in
        self._due_at = None if due_in is None else time.monotonic() + due_in
        return claim

    async def _of_announced(self, room: int, routes: Mapping[Lane, int]) -> Claim | None:
        """The claim of the messages named since the last claim; None: claim in full."""
        if not (self._announced and self._settled) or self.ctx.in_flight or self._past_due():
            return None  # while lanes deliver, a full claim takes what came meanwhile at once
        woke = self.ctx.wake.sets - self._sets
        heard, named = self._take()
        if heard == 0 or woke != heard or len(named) < heard or heard > room:
            return None
        runs: dict[Lane, list[str]] = {}
        for agent, rank, message_id in named:
            if (agent, rank) in routes:
                runs.setdefault((agent, rank), []).append(message_id)
        if any(len(run) > routes[lane] for lane, run in runs.items()):
            return None  # a batch's worth or more: the full claim takes them in turn
        # a lane delivering here claims its named messages again when it ends
        whole = not any((agent, rank) in self.ctx.busy for agent, rank, _ in named)
        if not runs:
            self._account(whole)
            return Claim("", [], next_due_in=self._due_in())
        return await self._take_runs({lane: sorted(run) for lane, run in runs.items()}, whole)

    async def _take_runs(self, runs: dict[Lane, list[str]], whole: bool) -> Claim | None:
        try:
            claim = await self.ctx.bus.db.claims.claim_announced(
                runs, lease_seconds=self.ctx.bus.settings.lease_seconds, claimed_by=self.ctx.name
            )
        except errors.StorageError:
            return None  # the full claim that follows says what failed
        if not claim.messages:
            return None
        more = len(claim.messages) < sum(map(len, runs.values()))
        self._settled = not more
        self._account(whole and not more)
        return replace(claim, more=more, next_due_in=self._due_in())

    def _account(self, whole: bool) -> None:
        """Every wake-up until the last take named a message now claimed (`whole`), or
        one that a lane delivering here must look for when it ends."""
        if whole:
            self.ctx.accounted = self._sets

    def _take(self) -> tuple[int, list[Named]]:
        """What was announced since the last take, and the wake-up count now."""
        self._sets = self.ctx.wake.sets
        return self.ctx.bus.db.connector.announcements.take()

    def _past_due(self) -> bool:
        return self._due_at is not None and self._due_at <= time.monotonic()

    def _due_in(self) -> float | None:
        return None if self._due_at is None else max(0.0, self._due_at - time.monotonic())
