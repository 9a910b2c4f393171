"""The `file_reservations` table (the row model is `swarmbus.model.reservations.Reservation`).

A grant is one transaction that first takes the project's lock (SQLite's
`BEGIN IMMEDIATE` already serialises every writer; PostgreSQL takes a
transaction-scoped advisory lock on the project), then reads the project's
live reservations, lets the caller decide, and writes what it decided with
the messages that go with it. Two agents racing for one path therefore see
each other's rows: exactly one wins. Every time comes from the database's clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from swarmbus.model import ids
from swarmbus.model.messages import NewMessage
from swarmbus.model.reservations import GrantPlan, Reservation, Wanted
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector, Statements

LIST_LIMIT = 10_000  # live reservations one listing returns at most

Decide = Callable[[list[Reservation]], GrantPlan]


class ReservationRepository:
    """All SQL on `file_reservations`."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def grant(
        self, project: str, decide: Decide, relevant: Callable[[str], bool] = lambda _: True
    ) -> tuple[list[Reservation], GrantPlan]:
        """Under the project's lock: read its live reservations (those whose pattern is
        `relevant`: the lock is held meanwhile, so the rest are not even parsed), `decide`,
        write the plan. Returns the rows written (new and refreshed) and the plan itself.
        """
        async with self._db.transaction() as tx:
            await tx.fetch_one(self._q["lock_project_reservations"], {"project": project})
            rows = await tx.fetch_all(self._q["project_reservations"], {"project": project})
            live = [Reservation.model_validate(r) for r in rows if relevant(r["pattern"])]
            plan = decide(live)
            written = [await self._insert(tx, wanted) for wanted in plan.create]
            for held, wanted in plan.refresh:
                params = {**_wanted_params(wanted), "reservation_id": held.reservation_id}
                row = await tx.fetch_one(self._q["refresh_reservation"], params)
                if row is not None:  # it was live a moment ago, under the same lock
                    written.append(Reservation.model_validate(row))
            await self._store_notices(tx, plan.notices)
        return written, plan

    async def _insert(self, tx: Statements, wanted: Wanted) -> Reservation:
        params = {**_wanted_params(wanted), "reservation_id": ids.new_id()}
        row = await tx.fetch_one(self._q["insert_reservation"], params)
        assert row is not None  # INSERT … RETURNING always returns the row
        return Reservation.model_validate(row)

    async def _store_notices(self, tx: Statements, notices: Sequence[NewMessage]) -> None:
        if notices:
            from swarmbus.storage.messages import MessageRepository

            await MessageRepository(self._db).insert_within(tx, notices)

    async def live(
        self, project: str | None = None, agent_id: str | None = None, limit: int = LIST_LIMIT
    ) -> list[Reservation]:
        """Live reservations (of a project, of an agent), expiring soonest first."""
        params = {"project": project, "agent_id": agent_id, "limit": limit}
        rows = await self._db.fetch_all(self._q["live_reservations"], params)
        return [Reservation.model_validate(row) for row in rows]

    async def get(self, reservation_id: str) -> Reservation | None:
        """One reservation by id, live or not."""
        params = {"reservation_id": reservation_id}
        row = await self._db.fetch_one(self._q["get_reservation"], params)
        return None if row is None else Reservation.model_validate(row)

    async def renew(self, reservation_ids: Sequence[str], ttl_seconds: float) -> list[Reservation]:
        """Extend the live ones among `reservation_ids` to `ttl_seconds` from now."""
        params = {"reservation_ids": json.dumps(list(reservation_ids)), "ttl": ttl_seconds}
        async with self._db.transaction() as tx:
            rows = await tx.fetch_all(self._q["renew_reservations"], params)
        return _sorted(rows)

    async def release(
        self,
        reservation_ids: Sequence[str],
        released_by: str | None = None,
        reason: str | None = None,
        notices: Callable[[list[Reservation]], Sequence[NewMessage]] | None = None,
    ) -> list[Reservation]:
        """Release the live ones among `reservation_ids`; a force release names who and why,
        and stores `notices(released)` in the same transaction."""
        params = {
            "reservation_ids": json.dumps(list(reservation_ids)),
            "released_by": released_by,
            "release_reason": reason,
        }
        async with self._db.transaction() as tx:
            released = _sorted(await tx.fetch_all(self._q["release_reservations"], params))
            if notices is not None:
                await self._store_notices(tx, notices(released))
        return released

    async def released(self, limit: int) -> list[Reservation]:
        """The latest released reservations, newest first (force releases say who and why)."""
        rows = await self._db.fetch_all(self._q["released_reservations"], {"limit": limit})
        return [Reservation.model_validate(row) for row in rows]

    async def count_live(self) -> tuple[int, int]:
        """How many reservations are live, and how many of those are exclusive."""
        row = await self._db.fetch_one(self._q["count_live_reservations"])
        return (int(row["live"]), int(row["exclusive"])) if row else (0, 0)


def _wanted_params(wanted: Wanted) -> dict[str, Any]:
    return {
        "agent_id": wanted.agent_id,
        "project": wanted.project,
        "pattern": wanted.pattern,
        "exclusive": wanted.exclusive,
        "reason": wanted.reason,
        "ttl": wanted.ttl_seconds,
    }


def _sorted(rows: list[dict[str, Any]]) -> list[Reservation]:
    found = [Reservation.model_validate(row) for row in rows]
    return sorted(found, key=lambda r: (r.expires_at, r.reservation_id))
