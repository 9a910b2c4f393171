"""Leases that follow the work: every claimed message is renewed until it is settled.

A lane may wait a long time before it delivers: behind the one GUI slot of its
host, or behind a slow window. Renewing only once delivery started let such a
lease run out, and a second dispatcher then took the message over and pasted it
too. So the keeper holds every message from the moment of its claim to the
moment its outcome is handed to the database, and renews all of them together
every third of a lease. A renewal that no longer finds a message under its
claim token means another dispatcher took it: the message is marked lost, and
its lane stops before delivering it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import anyio

from swarmbus import errors
from swarmbus.storage.leases import LeaseRepository

logger = logging.getLogger(__name__)

RENEW_FRACTION = 3  # renew when a third of the lease has passed


class LeaseKeeper:
    """The messages one dispatcher holds, and the background loop that renews their leases."""

    def __init__(self, leases: LeaseRepository, lease_seconds: float) -> None:
        self._leases = leases
        self.lease_seconds = lease_seconds
        self._held: dict[str, str] = {}  # message id -> claim token
        self._lost: set[str] = set()
        self.renewals = 0
        self.failures = 0

    def hold(self, token: str, message_ids: Iterable[str]) -> None:
        """Start keeping the leases of messages just claimed under `token`."""
        for message_id in message_ids:
            self._held[message_id] = token
            self._lost.discard(message_id)

    def drop(self, message_ids: Iterable[str]) -> None:
        """Stop keeping leases: the messages are settled, released, or given up."""
        for message_id in message_ids:
            self._held.pop(message_id, None)
            self._lost.discard(message_id)

    def is_lost(self, message_id: str) -> bool:
        """Whether another dispatcher took this message over from us."""
        return message_id in self._lost

    @property
    def held(self) -> int:
        return len(self._held)

    async def loop(self) -> None:
        """Renew every third of a lease until cancelled."""
        while True:
            await anyio.sleep(self.lease_seconds / RENEW_FRACTION)
            await self.renew_now()

    async def renew_now(self) -> None:
        """Renew every held lease in one statement; mark the ones no longer ours as lost."""
        snapshot = dict(self._held)
        if not snapshot:
            return
        try:
            with anyio.CancelScope(shield=True):  # a renewal once sent is read to the end
                kept = await self._leases.renew(list(snapshot.items()), self.lease_seconds)
        except errors.StorageError as exc:
            self.failures += 1
            logger.warning("lease renewal failed: %s", exc, extra={"action": "renew_failed"})
            return
        self.renewals += 1
        for message_id, token in snapshot.items():
            if message_id not in kept and self._held.get(message_id) == token:
                self._lost.add(message_id)
                del self._held[message_id]
                logger.warning(
                    "lost the lease of message %s: another dispatcher took it over",
                    message_id,
                    extra={"action": "lease_lost"},
                )
