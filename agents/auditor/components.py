"""Components that are not files: the database itself, and every running system.

Same row shape as a file. The database breaks a rule when its schema is not
the current version, when `integrity_check` finds damage, or when a required
CHECK constraint is missing. A system breaks a rule when its heartbeat is
stale, its health score is under 50, or it counts errors.
"""

from __future__ import annotations

from swarmbus.storage import inspection, migrations
from swarmbus.storage.database import Database
from swarmbus.storage.systems import STALE_AFTER_INTERVALS, SystemStatus

HEALTHY_SCORE = 50.0  # a system scoring below this is a violation

Finding = tuple[str, int, str, int | str, int | str]  # rule, line, symbol, measured, limit


async def database_findings(db: Database) -> list[Finding]:
    """What is wrong with the database's schema and file."""
    findings: list[Finding] = []
    current = await migrations.current_version(db.connector)
    latest = migrations.latest_version(db.connector.dialect)
    if current != latest:
        findings.append(("schema_version", 0, "schema_migrations", current, latest))
    for problem in (await inspection.integrity_problems(db.connector))[:20]:
        findings.append(("integrity", 0, "integrity_check", problem, "ok"))
    for column in await inspection.missing_checks(db.connector):
        findings.append(("check_constraint", 0, column, "missing", "CHECK present"))
    return findings


def service_findings(system: SystemStatus) -> list[Finding]:
    """What is wrong with one system's latest heartbeat."""
    findings: list[Finding] = []
    limit = round(system.heartbeat_interval_seconds * STALE_AFTER_INTERVALS)
    if system.is_stale():
        findings.append(("heartbeat_age", 0, system.system_id, round(system.age_seconds()), limit))
    if system.health_score < HEALTHY_SCORE:
        findings.append(
            (
                "health_score",
                0,
                system.system_id,
                round(system.health_score, 1),
                f">= {HEALTHY_SCORE:g}",
            )
        )
    if system.error_count:
        findings.append(("error_count", 0, system.system_id, system.error_count, 0))
    return findings
