"""The `core_systems_status` table: one heartbeat row per running system (the row model
is `swarmbus.model.systems.SystemStatus`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from swarmbus.model import timefmt
from swarmbus.model.systems import SystemStatus
from swarmbus.storage import queries as sql
from swarmbus.storage.connector import Connector
from swarmbus.storage.rows import dump_json, row_params


class SystemRepository:
    """All SQL on `core_systems_status`."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector
        self._q = sql.load(connector.dialect)
        self._reported: dict[str, int] = {}  # system_id -> error_count of its last beat here

    async def heartbeat(self, status: SystemStatus) -> None:
        """Write a system's current row.

        `status.error_count` is the writer's own count since it started; the row
        adds what is new since its last beat to what the row already holds.
        """
        before = self._reported.get(status.system_id, 0)
        delta = status.error_count - before if status.error_count >= before else status.error_count
        params = {**row_params(status), "error_delta": delta}
        async with self._db.transaction() as tx:
            await tx.execute(self._q["upsert_system"], params)
        self._reported[status.system_id] = status.error_count

    async def claim(
        self, candidates: Sequence[str], starting: Callable[[str], SystemStatus]
    ) -> str | None:
        """Take the first of `candidates` whose row is missing or free; None if none is.

        In one transaction, the taken row gets `starting(system_id)` as its first
        heartbeat (its error_count history kept), so no concurrent caller takes it too.
        """
        now = timefmt.utcnow()
        async with self._db.transaction() as tx:
            await tx.fetch_all(self._q["lock_systems"])
            rows = await tx.fetch_all(self._q["list_systems"])
            existing = {row["system_id"]: SystemStatus.model_validate(row) for row in rows}
            for system_id in candidates:
                if system_id not in existing or existing[system_id].is_free(now):
                    first = starting(system_id)
                    await tx.execute(
                        self._q["upsert_system"], {**row_params(first), "error_delta": 0}
                    )
                    self._reported[system_id] = first.error_count
                    return system_id
        return None

    async def list(self) -> list[SystemStatus]:
        rows = await self._db.fetch_all(self._q["list_systems"])
        return [SystemStatus.model_validate(row) for row in rows]

    async def get(self, system_id: str) -> SystemStatus | None:
        row = await self._db.fetch_one(self._q["get_system"], {"system_id": system_id})
        return None if row is None else SystemStatus.model_validate(row)

    async def mark_stale(self, seen: SystemStatus, detail: str, alerts: list[dict]) -> bool:
        """Mark a silent system as failing (error, one more error, alerts).

        Only if its row is still the one `seen` (no heartbeat arrived since) and
        it is not marked already; returns whether this call marked it.
        """
        params = {
            "system_id": seen.system_id,
            "last_health_check": timefmt.to_text(seen.last_health_check),
            "status_detail": detail,
            "monitoring_alerts": dump_json(alerts),
        }
        async with self._db.transaction() as tx:
            return await tx.execute(self._q["mark_system_stale"], params) == 1
