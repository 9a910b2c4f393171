"""The `agent_workspaces` table: the agent registry and each agent's reported state (the
row models are in `swarmbus.model.workspaces`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from swarmbus.model import timefmt
from swarmbus.model.workspaces import AgentWorkspace, Registration, Report
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector


class WorkspaceRepository:
    """All SQL on `agent_workspaces`."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def list(self, *, include_removed: bool = False) -> list[AgentWorkspace]:
        rows = await self._db.fetch_all(
            self._q["list_workspaces"], {"include_removed": include_removed}
        )
        return [AgentWorkspace.model_validate(row) for row in rows]

    async def get(self, agent_id: str) -> AgentWorkspace | None:
        row = await self._db.fetch_one(self._q["get_workspace"], {"agent_id": agent_id})
        return None if row is None else AgentWorkspace.model_validate(row)

    async def set_v2_compliance(self, agent_id: str, score: float) -> bool:
        """Store an agent's latest compliance score; False if the agent is unknown."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                self._q["set_v2_compliance"], {"agent_id": agent_id, "score": score}
            )
        return changed == 1

    async def report(self, report: Report) -> bool:
        """Store an agent's report; False if no configured agent has that id."""
        params = {
            "agent_id": report.agent_id,
            "status": report.status,
            "set_focus": int(report.focus is not None),
            "current_focus": report.focus,
            "cycle": int(report.cycle),
            "task_done": int(report.task_done),
            "coordination_efficiency": report.efficiency,
            "now": timefmt.now_text(),
        }
        async with self._db.transaction() as tx:
            return await tx.execute(self._q["report_workspace"], params) == 1

    async def sync(self, registrations: Sequence[Registration]) -> int:
        """Make the registry match the config; return how many rows changed.

        Reads first and writes only when something differs, so that every CLI
        call can sync without taking the write lock.
        """
        rows = await self._db.fetch_all(self._q["list_workspaces"], {"include_removed": True})
        current = {row["agent_id"]: row for row in rows}
        wanted = {reg.agent_id: reg for reg in registrations}
        changed = [reg for reg in registrations if _differs(current.get(reg.agent_id), reg)]
        removed = [
            agent_id
            for agent_id, row in current.items()
            if row["configured"] and agent_id not in wanted
        ]
        if not changed and not removed:
            return 0
        async with self._db.transaction() as tx:
            for reg in changed:
                await tx.execute(self._q["upsert_workspace"], reg.__dict__)
            for agent_id in removed:
                await tx.execute(self._q["mark_workspace_removed"], {"agent_id": agent_id})
        return len(changed) + len(removed)


def _differs(row: dict[str, Any] | None, reg: Registration) -> bool:
    # Raw rows, not models: every CLI call syncs, and this keeps it cheap.
    if row is None or not row["configured"]:
        return True
    return any(row[key] != value for key, value in reg.__dict__.items())
