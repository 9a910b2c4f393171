"""Analyse files, in parallel processes when the tree is large."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from swarmbus.agents.auditor import files, python_source
from swarmbus.agents.auditor.plan import refactoring_plan
from swarmbus.agents.auditor.python_source import Symbol
from swarmbus.agents.auditor.rules import AuditRules, Violation

PARALLEL_FROM = 200  # files; below this, starting processes costs more than it saves
CHUNK = 32  # files per task handed to a worker process

Progress = Callable[[int], None]


@dataclass
class FileResult:
    """What one file yielded: its size, violations, and for Python its symbols and imports."""

    source: files.SourceFile
    lines: int = 0
    violations: list[Violation] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    plan: dict[str, Any] = field(default_factory=dict)  # the `refactoring_plan` JSON
    skipped: str | None = None  # why the file is not a component (binary, huge)


def analyze(source: files.SourceFile, rules: AuditRules) -> FileResult:
    """Measure one file against the rules, and plan its refactoring.

    Planned here, in the worker: the plan is small, the names of the symbols it
    comes from are not worth sending back.
    """
    result, symbols = _measure(source, rules)
    if result.skipped is None:
        stem = PurePath(source.relative).stem
        result.plan = refactoring_plan(stem, result.lines, result.violations, symbols)
    return result


def _measure(source: files.SourceFile, rules: AuditRules) -> tuple[FileResult, list[Symbol]]:
    try:
        text = files.read_text(source.path)
    except files.Unreadable as problem:
        if problem.skip:
            return FileResult(source, skipped=problem.reason), []
        violation = Violation("unreadable", 1, "<file>", problem.reason, "UTF-8 text")
        return FileResult(source, violations=[violation]), []
    result = FileResult(source, lines=files.physical_lines(text))
    if result.lines > rules.file_lines:
        result.violations.append(
            Violation("file_lines", 1, "<module>", result.lines, rules.file_lines)
        )
    if not source.is_python:
        return result, []
    facts = python_source.measure(text, source.module or "", rules, source.is_package)
    result.violations.extend(facts.violations)
    result.imports = facts.imports
    return result, facts.symbols


def _analyze_chunk(chunk: Sequence[files.SourceFile], rules: AuditRules) -> list[FileResult]:
    return [analyze(source, rules) for source in chunk]


def analyze_all(
    sources: Sequence[files.SourceFile], rules: AuditRules, progress: Progress | None = None
) -> list[FileResult]:
    """Analyse every file, in order; report progress as files complete."""
    workers = min(os.cpu_count() or 1, 8)
    if len(sources) < PARALLEL_FROM or workers < 2:
        results = []
        for source in sources:
            results.append(analyze(source, rules))
            if progress:
                progress(1)
        return results
    chunks = [sources[i : i + CHUNK] for i in range(0, len(sources), CHUNK)]
    results = []
    # spawn, not fork: the caller runs threads (the database's), which fork would copy badly
    context = multiprocessing.get_context("spawn")
    # The workers never make reference cycles (a syntax tree has no parent links), so the
    # cyclic collector, which parsing keeps triggering, only costs them time (10-15 %).
    with ProcessPoolExecutor(workers, mp_context=context, initializer=gc.disable) as pool:
        for done in pool.map(_analyze_chunk, chunks, [rules] * len(chunks)):
            results.extend(done)
            if progress:
                progress(len(done))
    return results
