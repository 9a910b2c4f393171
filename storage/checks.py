"""The `integration_tests` table: the results of `swarmbus doctor` checks (the row model
is `swarmbus.model.checks.IntegrationTest`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from swarmbus.model.checks import IntegrationTest
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector
from swarmbus.storage.rows import row_params


class IntegrationTestRepository:
    """All SQL on `integration_tests`."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)

    async def record(self, tests: Sequence[IntegrationTest]) -> None:
        """Store one run's checks in one transaction."""
        async with self._db.transaction() as tx:
            await tx.execute_many(
                self._q["insert_integration_test"], [row_params(t) for t in tests]
            )

    async def list(self, limit: int = 50) -> list[IntegrationTest]:
        rows = await self._db.fetch_all(self._q["list_integration_tests"], {"limit": limit})
        return [IntegrationTest.model_validate(row) for row in rows]

    async def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        """Summaries of the latest doctor runs, newest first."""
        return await self._db.fetch_all(self._q["list_integration_test_runs"], {"limit": limit})

    async def rows_of_run(self, run_id: str) -> list[IntegrationTest]:
        """The checks of one run, in the order they ran."""
        rows = await self._db.fetch_all(
            self._q["list_integration_tests_of_run"], {"run_id": run_id}
        )
        return [IntegrationTest.model_validate(row) for row in rows]
