"""A file reservation: an agent's claim on the paths it is editing in one project.

One row of `file_reservations`. A reservation is live until it expires or is
released, judged by the database's clock; after that it stays as history
until `db prune`. Exclusive reservations keep other agents off their paths;
shared ones only say who works there. The patterns' rules are `globs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from swarmbus.model import timefmt
from swarmbus.model.messages import NewMessage
from swarmbus.model.types import UtcTime

TTL_DEFAULT = 3600  # seconds a reservation lasts unless asked otherwise
TTL_MIN = 60  # seconds: shorter would expire while the agent is still editing
TTL_MAX = 86_400  # seconds: a day; longer claims are renewed, not granted up front
MAX_REASON = 500  # characters
MAX_PATTERNS = 200  # patterns in one request


class Reservation(BaseModel):
    """One row of `file_reservations`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    reservation_id: str
    agent_id: str
    project: str
    pattern: str
    exclusive: bool
    reason: str = ""
    created_at: UtcTime
    expires_at: UtcTime
    released_at: UtcTime | None = None
    released_by: str | None = None
    release_reason: str | None = None

    @property
    def kind(self) -> str:
        return "exclusive" if self.exclusive else "shared"

    @property
    def live_seconds(self) -> float:
        """Seconds until it expires, by this host's clock (for display only)."""
        return (self.expires_at - timefmt.utcnow()).total_seconds()


@dataclass(frozen=True, slots=True)
class Wanted:
    """One pattern an agent asks for (validated by the bus already)."""

    agent_id: str
    project: str
    pattern: str
    exclusive: bool
    reason: str
    ttl_seconds: float


@dataclass(frozen=True)
class Conflict:
    """A requested pattern refused because a live reservation of another agent overlaps it."""

    pattern: str  # as requested (normalized)
    held: Reservation  # the holder's reservation: agent, pattern, reason, expiry

    @property
    def holder(self) -> str:
        return self.held.agent_id

    @property
    def expires_at(self) -> datetime:
        return self.held.expires_at


@dataclass(frozen=True)
class Grant:
    """What `reserve` did: the reservations granted (new or refreshed), every conflict,
    and the agents told that someone now works beside their shared reservation."""

    granted: list[Reservation]
    conflicts: list[Conflict]
    notified: list[str]


@dataclass(frozen=True)
class GrantPlan:
    """What one grant writes, decided against the project's live reservations while its
    lock is held: new rows, rows the holder asked for again, and the messages to store."""

    create: list[Wanted]
    refresh: list[tuple[Reservation, Wanted]]
    conflicts: list[Conflict]
    notices: list[NewMessage]
