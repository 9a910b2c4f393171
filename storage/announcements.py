"""What a dispatcher's wake-ups said: the lane and id of each message sent alone.

A send that stored one message names it: in its NOTIFY on PostgreSQL (`send_messages`),
in its wake-up datagram on SQLite (`sqlite_wakeup`). Anything else announced (a batch,
a requeue) names nothing. A dispatcher that was woken only by such named sends since its
last claim can take them without reading the lanes first
(`ClaimRepository.claim_announced`).
"""

from __future__ import annotations

import json
from collections.abc import Callable

MOST = 256  # messages remembered between two takes; more heard means a full claim

Named = tuple[str, int, str]  # (recipient, priority rank, message id)


class Announcements:
    """Named sends heard since the last `take`, in the order they were heard."""

    def __init__(self) -> None:
        self.heard = 0  # notifications that named a message
        self._named: list[Named] = []
        # recipient -> whether another dispatcher is to claim its messages (the dispatcher
        # sets it): a send to one of them neither wakes this one nor is kept
        self.left_to_others: Callable[[str], bool] = _nobody

    def hear(self, payload: str) -> bool:
        """Note one notification's payload, if it names a message; whether to wake."""
        try:
            agent, rank, message_id = json.loads(payload)
        except (ValueError, TypeError):
            return True
        if isinstance(agent, str) and type(rank) is int and isinstance(message_id, str):
            if self.left_to_others(agent):
                return False
            self.heard += 1
            if len(self._named) < MOST:
                self._named.append((agent, rank, message_id))
        return True

    def take(self) -> tuple[int, list[Named]]:
        """(how many named notifications were heard, the messages kept), forgotten here."""
        heard, named = self.heard, self._named
        self.heard, self._named = 0, []
        return heard, named


def _nobody(agent: str) -> bool:
    return False
