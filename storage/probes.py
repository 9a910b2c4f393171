"""The rows of the doctor's round-trip probe, in `agent_workspaces` and `agent_messages`.

The probe recipient needs a registry row, because `agent_messages.to_agent`
is a foreign key. Its row is created with `configured = 0`, which every
listing (`agents list`, `status`, Discord `/agents`) leaves out, and under a
reserved id with a ':' in it, which the agent-name rule forbids, so no
configured agent can ever collide with it. Probe messages are deleted as soon
as the check is done.
"""

from __future__ import annotations

from datetime import datetime

from swarmbus.model import timefmt
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector


class ProbeRepository:
    """All SQL of the probe."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def ensure_recipient(self, agent_id: str) -> None:
        """Create the hidden registry row of the probe recipient, if it is missing."""
        async with self._db.transaction() as tx:
            await tx.execute(self._q["ensure_probe_workspace"], {"agent_id": agent_id})

    async def delete(self, agent_id: str, message_id: str, stale_before: datetime) -> int:
        """Delete a probe message, and probes older than `stale_before` that a crash left."""
        params = {
            "agent_id": agent_id,
            "message_id": message_id,
            "stale_before": timefmt.to_text(stale_before),
        }
        async with self._db.transaction() as tx:
            return await tx.execute(self._q["delete_probe_messages"], params)
