"""The V2 size rules, their limits (configurable under `[audit]`), and violations.

How things are counted:

- ``file_lines``: physical lines of the file, as ``wc -l`` counts them (a last
  line without a newline counts too). Every text file gets this rule.
- ``class_lines``: physical lines from the ``class`` line to the class's last line.
- ``function_lines``: lines of the function's span (``def`` line to last line)
  that are neither blank nor part of its docstring; comments count.
- ``parameters``: every parameter (positional-only, regular, ``*args``,
  keyword-only, ``**kwargs``) except the ``self``/``cls`` of a method.
- ``nesting``: the deepest chain of ``if``/``for``/``while``/``try``/``with``/
  ``match`` inside one function (an ``elif`` stays at its ``if``'s depth;
  nested functions are measured on their own).
- ``class_methods``: functions defined directly in a class body, dunders included.
- ``syntax``: a Python file that does not parse is one violation.

A definition may waive rules with a comment on its first line (or on its
decorators, or the line above): ``# v2-allow: parameters <reason>`` (several
rules: ``parameters,function_lines``); the violation is then reported as
waived and does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

RuleName = Literal[
    "file_lines",
    "class_lines",
    "function_lines",
    "parameters",
    "nesting",
    "class_methods",
    "syntax",
    "unreadable",
]
ALIASES = {"params": "parameters", "lines": "function_lines", "methods": "class_methods"}
DEFAULT_INCLUDE = ("**/*.py", "**/*.js", "**/*.jsx", "**/*.ts", "**/*.tsx", "**/*.md")
DEFAULT_EXCLUDE = (
    "**/.git/**",
    "**/.venv/**",
    "**/venv/**",
    "**/node_modules/**",
    "**/__pycache__/**",
    "**/build/**",
    "**/dist/**",
    "**/*.egg-info/**",
)
_WAIVER = re.compile(r"#\s*v2-allow:\s*([a-z_]+(?:,[a-z_]+)*)(?:\s+(\S.*))?$")

Limit = StrictInt
MAX_LIMIT = 1_000_000  # lines, parameters, levels: any real limit is far below


class AuditRules(BaseModel):
    """The `[audit]` table: one limit per rule, and which paths to audit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file_lines: Limit = Field(default=400, ge=1, le=MAX_LIMIT)
    class_lines: Limit = Field(default=200, ge=1, le=MAX_LIMIT)
    function_lines: Limit = Field(default=30, ge=1, le=MAX_LIMIT)
    parameters: Limit = Field(default=5, ge=0, le=MAX_LIMIT)
    nesting: Limit = Field(default=4, ge=1, le=MAX_LIMIT)
    class_methods: Limit = Field(default=10, ge=1, le=MAX_LIMIT)
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE

    def limit(self, rule: str) -> int:
        return int(getattr(self, rule))


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where, which symbol, how much against what limit."""

    rule: str
    line: int
    symbol: str
    measured: int | str
    limit: int | str
    waived: str | None = None  # the reason given in a `# v2-allow:` comment

    @property
    def excess(self) -> float:
        """How far over the limit, as a share of the limit (1.0 for non-numeric rules)."""
        if isinstance(self.measured, int) and isinstance(self.limit, int) and self.limit > 0:
            return max(0.0, (self.measured - self.limit) / self.limit)
        return 1.0

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "line": self.line,
            "symbol": self.symbol,
            "measured": self.measured,
            "limit": self.limit,
        }
        if self.waived is not None:
            data["waived"] = self.waived
        return data


def waivers(line: str) -> dict[str, str]:
    """Rules waived by a `# v2-allow: rule[,rule] reason` comment on this line."""
    match = _WAIVER.search(line)
    if match is None:
        return {}
    reason = (match[2] or "").strip() or "no reason given"
    names = [ALIASES.get(name.strip(), name.strip()) for name in match[1].split(",")]
    return {name: reason for name in names if name}
