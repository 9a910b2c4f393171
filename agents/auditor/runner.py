"""One audit run: measure the tree, score every component, store the rows together."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread

from swarmbus import errors
from swarmbus.agents.auditor import files
from swarmbus.agents.auditor.analysis import FileResult, Progress, analyze_all
from swarmbus.agents.auditor.graph import ImportGraph
from swarmbus.agents.auditor.rules import AuditRules
from swarmbus.agents.auditor.scoring import verdict
from swarmbus.model import ids
from swarmbus.model.audits import ComplianceAudit
from swarmbus.storage.database import Database


@dataclass
class AuditReport:
    """The rows of one run, with the numbers the summary shows."""

    run_id: str
    root: str
    rows: list[ComplianceAudit]
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def file_rows(self) -> list[ComplianceAudit]:
        return [row for row in self.rows if row.component_type == "file"]

    def summary(self) -> dict[str, Any]:
        scores = [row.compliance_score for row in self.rows]
        return {
            "run_id": self.run_id,
            "root": self.root,
            "components": len(self.rows),
            "files": len(self.file_rows),
            "average_score": round(statistics.fmean(scores), 1) if scores else 100.0,
            "total_violations": sum(row.violations_found for row in self.rows),
            "needing_refactoring": sum(row.refactoring_required for row in self.rows),
            "high_priority": sum(row.refactoring_priority == "high" for row in self.rows),
            "skipped": [{"file": name, "reason": why} for name, why in self.skipped],
        }

    def worst(self, count: int = 10) -> list[ComplianceAudit]:
        ordered = sorted(self.rows, key=lambda r: (r.compliance_score, -r.violations_found))
        return [row for row in ordered if row.refactoring_required][:count]


@dataclass(frozen=True)
class AuditRequest:
    """What to audit and in whose name."""

    root: Path
    rules: AuditRules
    auditor: str = "swarmbus"
    agent: str | None = None


async def run_audit(
    db: Database, request: AuditRequest, progress: Progress | None = None
) -> AuditReport:
    """Audit the files under `request.root`; store one row per file, all in one transaction.

    A tree with no Python file in it is refused (`UsageError`) and nothing is
    stored: the V2 rules measure Python, and a score of 100 for an empty or
    mistyped folder would read as a clean bill of health.
    """
    if request.agent is not None and await db.workspaces.get(request.agent) is None:
        raise errors.UnknownAgent(f"unknown agent {request.agent!r} for --agent")
    sources = await anyio.to_thread.run_sync(files.discover, request.root, request.rules)
    results = await anyio.to_thread.run_sync(analyze_all, sources, request.rules, progress)
    if not any(r.source.is_python and r.skipped is None for r in results):
        raise errors.UsageError(
            f"nothing to audit in {request.root}: no Python file there "
            f"({len(sources)} {'file' if len(sources) == 1 else 'files'} matched the [audit] "
            f"include patterns)"
        )
    report = build_report(results, request, ids.new_id())
    await db.audits.record_run(report.rows)
    if request.agent is not None and report.file_rows:
        score = statistics.fmean(row.compliance_score for row in report.file_rows)
        await db.workspaces.set_v2_compliance(request.agent, round(score, 1))
    return report


def build_report(results: Sequence[FileResult], request: AuditRequest, run_id: str) -> AuditReport:
    """Score every analysed file against the import graph of the whole tree."""
    graph = ImportGraph.build({r.source.module: r.imports for r in results if r.source.module})
    report = AuditReport(run_id, str(request.root), [])
    for result in results:
        if result.skipped is not None:
            report.skipped.append((result.source.relative, result.skipped))
        else:
            report.rows.append(_file_row(result, graph, request.auditor, run_id))
    return report


def _file_row(result: FileResult, graph: ImportGraph, auditor: str, run_id: str) -> ComplianceAudit:
    outcome = verdict(result.violations)
    module = result.source.module
    return ComplianceAudit(
        component_name=result.source.relative,
        component_type="file",
        compliance_score=outcome.score,
        violations_found=outcome.counted,
        violations_details=[v.as_dict() for v in result.violations],
        auditor_agent=auditor,
        integration_impact=graph.impact(module) if module else {},
        refactoring_required=outcome.refactoring_required,
        refactoring_priority=outcome.priority,  # type: ignore[arg-type]
        estimated_refactoring_cycles=outcome.cycles,
        integration_dependencies_affected=sorted(graph.importers(module))
        if module and outcome.refactoring_required
        else [],
        refactoring_plan=result.plan,
        run_id=run_id,
    )


async def audit_summary(db: Database) -> dict[str, Any]:
    """The seed's compliance summary of the latest run, with the trend against the one before."""
    runs = await db.audits.runs(limit=2)
    if not runs:
        return {"runs": 0}
    latest = dict(runs[0])
    latest["average_score"] = round(latest["average_score"] or 0.0, 1)
    if len(runs) == 2:
        previous = runs[1]
        change = round(latest["average_score"] - (previous["average_score"] or 0), 1) + 0.0
        latest["trend"] = {
            "previous_run_id": previous["run_id"],
            "average_score": change,  # + 0.0 turns a -0.0 into 0.0
            "violations": latest["violations"] - previous["violations"],
            "needing_refactoring": latest["needing_refactoring"] - previous["needing_refactoring"],
        }
    return latest
