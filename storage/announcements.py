"""What a dispatcher's wake-ups said: the lane and id of each message sent alone.

A send that stored one message names it: in its NOTIFY on PostgreSQL (`send_messages`),
in its wake-up datagram on SQLite (`sqlite_wakeup`). Anything else announced (a batch,
a requeue) names nothing. A dispatcher that was woken only by such named sends since its
last claim can take them without reading the lanes first
(`ClaimRepository.claim_announced`).
"""

from __future__ import annotations

import json

MOST = 256  # messages remembered between two takes; more heard means a full claim

Named = tuple[str, int, str]  # (recipient, priority rank, message id)


class Announcements:
    """Named sends heard since the last `take`, in the order they were heard."""

    def __init__(self) -> None:
        self.heard = 0  # notifications that named a message
        self._named: list[Named] = []

    def hear(self, payload: str) -> None:
        """Note one notification's payload, if it names a message."""
        try:
            agent, rank, message_id = json.loads(payload)
        except (ValueError, TypeError):
            return
        if isinstance(agent, str) and type(rank) is int and isinstance(message_id, str):
            self.heard += 1
            if len(self._named) < MOST:
                self._named.append((agent, rank, message_id))

    def take(self) -> tuple[int, list[Named]]:
        """(how many named notifications were heard, the messages kept), forgotten here."""
        heard, named = self.heard, self._named
        self.heard, self._named = 0, []
        return heard, named
