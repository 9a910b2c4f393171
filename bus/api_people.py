"""The person's methods of `Bus`: what a person is owed.

A part of the one façade (`swarmbus.bus.api.Bus` inherits it), kept in its own
module so the façade stays readable. It only reads: looking at what a person
or an agent was sent never records a read receipt (only the recipient opening
it through `Bus.read` or `Bus.opened` does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from swarmbus import errors
from swarmbus.bus import requests
from swarmbus.storage.people import PersonRepository

if TYPE_CHECKING:
    from swarmbus.agents.config import AgentConfig
    from swarmbus.model.messages import Message
    from swarmbus.storage.database import Database


class PersonMethods:
    """A person's messages, as `Bus` methods."""

    # What the façade provides (bus/api.py `Bus`):
    db: Database
    configured: dict[str, AgentConfig]

    async def for_person(
        self,
        person: str,
        alias: str | None = None,
        *,
        before: str | None = None,
        limit: int = 50,
    ) -> list[Message]:
        """Messages addressed to `person` (or to `alias`, another name of theirs such as
        `web:alice`), and every reply to a message either wrote, whoever it went to; newest
        first, at most `limit`, older than the `before` id when paging on. Marks nothing read."""
        requests.check_limit(limit)
        name = _checked(person, self.configured, "person")
        other = name if alias is None else _checked(alias, self.configured, "alias")
        position = None if before is None else requests.check_position(before)
        return await PersonRepository(self.db.connector).for_person(name, other, position, limit)


def _checked(name: str, agents: dict[str, AgentConfig], label: str) -> str:
    """A name someone could be written to under: a sender's shape, and one we know."""
    if not requests.is_valid_sender(name):
        raise errors.InvalidMessage(
            f"{label} {name!r} is not allowed; names are {requests.SENDER_RULE}"
        )
    return requests.check_sender(name, agents, label)
