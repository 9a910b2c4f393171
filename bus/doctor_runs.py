"""The doctor's recorded runs, read through an open bus (what a dashboard shows).

Running the doctor is `Operations.doctor`; this reads what it recorded in
`integration_tests`: the latest run with its checks, and the runs before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from swarmbus.bus import requests

if TYPE_CHECKING:
    from swarmbus.bus.api import Bus
    from swarmbus.model.checks import IntegrationTest


@dataclass(frozen=True)
class DoctorRun:
    """One run: its summary (run_id, executed_at, checks, passed, failed, skipped,
    duration_ms, test_agent, test_environment) and its checks in the order they ran."""

    summary: dict[str, Any]
    checks: list[IntegrationTest]


class DoctorRuns:
    """The doctor runs stored in one swarm's database."""

    def __init__(self, bus: Bus) -> None:
        self._db = bus.db

    async def latest(self) -> DoctorRun | None:
        """The newest run with its checks; None before the first run."""
        runs = await self._db.checks.runs(limit=1)
        if not runs:
            return None
        return DoctorRun(runs[0], await self._db.checks.rows_of_run(runs[0]["run_id"]))

    async def history(self, limit: int = 10) -> list[dict[str, Any]]:
        """Summaries of the latest runs, newest first."""
        requests.check_limit(limit)
        return await self._db.checks.runs(limit=limit)
