"""Keeping claimed messages: lease renewal, and the attempt mark of deliveries that cannot repeat.

A lease is renewed for as long as its message is held, and every renewal says
which messages are still held (a message another dispatcher took over after a
lease ran out is missing from the answer). Before a non-idempotent delivery (a
paste) touches the screen, its "attempt started" mark is committed; settling
clears it, so a mark on a message in play means an attempt was cut off.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector, Statements


class LeaseRepository:
    """The SQL that renews leases and marks, or holds, uncertain deliveries."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def renew(self, holds: Sequence[tuple[str, str]], lease_seconds: float) -> set[str]:
        """Extend the leases of held messages, given as (message id, claim token) pairs.

        Returns the ids whose claim still holds; a missing one was taken over by
        another dispatcher after its lease ran out.
        """
        if not holds:
            return set()
        params = {"holds": json.dumps([list(h) for h in holds]), "lease_seconds": lease_seconds}
        rows = await self._db.atomic(lambda tx: tx.fetch_all(self._q["renew_leases"], params))
        return {row["message_id"] for row in rows}

    async def begin_attempt(
        self, message_id: str, token: str, claimed_by: str, lease_seconds: float
    ) -> bool:
        """Commit the "attempt started" mark of a non-idempotent delivery, renewing its lease.

        False when the claim no longer holds the message: the caller must not deliver it.
        """
        params = {
            "message_id": message_id,
            "claim_token": token,
            "claimed_by": claimed_by,
            "lease_seconds": float(lease_seconds),
        }

        async def marked(db: Statements) -> bool:
            return await db.fetch_one(self._q["begin_attempt"], params) is not None

        # One statement in a transaction of its own (`first`, which always answers): BEGIN
        # and COMMIT were two more statements, on PostgreSQL two more round trips, before
        # the screen is touched.
        return await self._db.atomic(marked, first=marked)

    async def hold(self, message_id: str, token: str, reason: str) -> bool:
        """Dead-letter a claimed message with `reason`, keeping its attempt mark."""
        params = {"message_id": message_id, "claim_token": token, "last_error": reason}
        row = await self._db.atomic(lambda tx: tx.fetch_one(self._q["hold_uncertain"], params))
        return row is not None
