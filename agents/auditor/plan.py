"""The refactoring plan: concrete steps, the largest win first.

For a file over its line limit, top-level functions and classes are grouped by
the names they use (symbols that refer to each other move together), and the
largest groups are proposed for a new module until the file fits. Every other
violation becomes one step naming the symbol and what to reduce.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from swarmbus.agents.auditor.python_source import Symbol
from swarmbus.agents.auditor.rules import Violation

ACTIONS = {
    "function_lines": "split_function",
    "parameters": "reduce_parameters",
    "nesting": "flatten_nesting",
    "class_lines": "split_class",
    "class_methods": "split_class",
    "syntax": "fix_syntax",
    "unreadable": "fix_encoding",
}


def refactoring_plan(
    module_stem: str, lines: int, violations: Sequence[Violation], symbols: Sequence[Symbol]
) -> dict[str, Any]:
    """The `refactoring_plan` JSON of one file."""
    steps: list[dict[str, Any]] = []
    for violation in violations:
        if violation.waived is not None:
            continue
        if violation.rule == "file_lines":
            steps.extend(_module_split(module_stem, lines, int(violation.limit), symbols))
        else:
            steps.append(_symbol_step(violation))
    steps.sort(key=lambda step: -int(step.get("lines", 0) or 0))
    return {"steps": steps, "current_lines": lines}


def _symbol_step(violation: Violation) -> dict[str, Any]:
    over = (
        violation.measured - violation.limit
        if isinstance(violation.measured, int) and isinstance(violation.limit, int)
        else 0
    )
    return {
        "action": ACTIONS.get(violation.rule, "refactor"),
        "symbol": violation.symbol,
        "line": violation.line,
        "rule": violation.rule,
        "measured": violation.measured,
        "limit": violation.limit,
        "lines": over if violation.rule in ("function_lines", "class_lines") else 0,
    }


def _module_split(
    stem: str, lines: int, limit: int, symbols: Sequence[Symbol]
) -> list[dict[str, Any]]:
    steps = []
    remaining = lines
    for group in sorted(symbol_groups(symbols), key=lambda g: -sum(s.lines for s in g)):
        if remaining <= limit:
            break
        size = sum(s.lines for s in group)
        if len(group) == len(symbols):
            break  # everything hangs together: moving it all would only rename the file
        names = [s.name for s in sorted(group, key=lambda s: s.start)]
        steps.append(
            {
                "action": "move_out",
                "symbols": names,
                "lines": size,
                "suggested_module": f"{stem}_{names[0].lower().lstrip('_')}",
            }
        )
        remaining -= size
    return steps


def symbol_groups(symbols: Sequence[Symbol]) -> list[list[Symbol]]:
    """Top-level symbols joined when one refers to another (union-find)."""
    parent = {s.name: s.name for s in symbols}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for symbol in symbols:
        for name in symbol.references & parent.keys():
            parent[root(name)] = root(symbol.name)
    groups: dict[str, list[Symbol]] = {}
    for symbol in symbols:
        groups.setdefault(root(symbol.name), []).append(symbol)
    return list(groups.values())
