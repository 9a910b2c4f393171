"""The V2 compliance audits of a swarm, as every face offers them: run one, sum up the
latest runs, show the latest with its worst components (`swarmbus audit`, Discord
`/compliance`). The auditing itself is `swarmbus.agents.auditor`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swarmbus.agents.auditor.runner import AuditReport, AuditRequest, audit_summary, run_audit

if TYPE_CHECKING:
    from swarmbus.agents.auditor.analysis import Progress
    from swarmbus.bus.api import Bus
    from swarmbus.model.audits import ComplianceAudit


@dataclass(frozen=True)
class LatestAudit:
    """The latest run's summary (None before the first run) and its worst components."""

    run: dict[str, Any] | None
    worst: list[ComplianceAudit] = field(default_factory=list)


class Audits:
    """Audits stored in one swarm's database, through its open bus."""

    def __init__(self, bus: Bus) -> None:
        self._db = bus.db

    async def run(self, request: AuditRequest, progress: Progress | None = None) -> AuditReport:
        """Audit `request.root` and store one row per file, all in one transaction.

        `progress(n)` is called as files are analysed. With `request.agent`, that
        agent's `v2_compliance` becomes the run's average. A tree without Python
        files is refused and nothing is stored.
        """
        return await run_audit(self._db, request, progress)

    async def summary(self) -> dict[str, Any]:
        """The latest run's numbers, with the trend against the run before it
        (`{"runs": 0}` before the first run)."""
        return await audit_summary(self._db)

    async def latest(self, worst: int = 5) -> LatestAudit:
        """The latest run and its `worst` lowest-scoring components."""
        runs = await self._db.audits.runs(limit=1)
        run = runs[0] if runs else None
        if run is None or not run["run_id"]:
            return LatestAudit(run)
        rows = await self._db.audits.rows_of_run(run["run_id"])
        return LatestAudit(run, rows[:worst])
