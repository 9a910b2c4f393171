"""The `v2_compliance_audit` table: one row per audited component per run (the row model
is `swarmbus.model.audits.ComplianceAudit`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from swarmbus.model.audits import ComplianceAudit
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector
from swarmbus.storage.rows import row_params


class AuditRepository:
    """All SQL on `v2_compliance_audit`."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def record_run(self, audits: Sequence[ComplianceAudit]) -> None:
        """Store one run's rows in one transaction."""
        async with self._db.transaction() as tx:
            await tx.execute_many(self._q["insert_audit"], [row_params(a) for a in audits])

    async def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        """Summaries of the latest runs, newest first."""
        return await self._db.fetch_all(self._q["list_audit_runs"], {"limit": limit})

    async def rows_of_run(self, run_id: str) -> list[ComplianceAudit]:
        rows = await self._db.fetch_all(self._q["list_audits_of_run"], {"run_id": run_id})
        return [ComplianceAudit.model_validate(row) for row in rows]
