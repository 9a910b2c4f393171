"""Measure one Python file with `ast`: rule violations, top-level symbols, imports.

Line ranges come from `lineno`/`end_lineno`, never from regexes, so strings
that look like code and code inside strings are counted for what they are.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from swarmbus.agents.auditor.rules import AuditRules, Violation, waivers

BLOCKS = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.Try,
    ast.TryStar,
    ast.With,
    ast.AsyncWith,
    ast.Match,
)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
COMPOUND = frozenset({*BLOCKS, *FUNCTIONS, ast.ClassDef})  # statements that hold statements
SELF_NAMES = frozenset({"self", "cls", "mcs", "metacls"})


@dataclass
class Symbol:
    """A top-level function or class: its line span and the names it uses."""

    name: str
    kind: str
    start: int
    end: int
    references: set[str] = field(default_factory=set)

    @property
    def lines(self) -> int:
        return self.end - self.start + 1


@dataclass
class SourceFacts:
    """Everything the auditor learns from one parsed file."""

    violations: list[Violation]
    symbols: list[Symbol]
    imports: set[str]


def measure(source: str, module: str, rules: AuditRules, is_package: bool = False) -> SourceFacts:
    """Parse `source` (the module named `module`) and apply the Python rules.

    `is_package` marks an `__init__.py`, whose relative imports start from itself.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        message = getattr(exc, "msg", None) or str(exc)
        return SourceFacts(
            [Violation("syntax", line, "<module>", message, "valid Python")], [], set()
        )
    checker = _Checker(source.splitlines(), rules)
    checker.visit_body(tree.body, prefix="", in_class=False)
    package = module.split(".") if is_package else module.split(".")[:-1]
    oversize = len(checker.lines) > rules.file_lines
    symbols, imports = symbols_and_imports(tree, package, with_references=oversize)
    return SourceFacts(checker.violations, symbols, imports)


class _Checker:
    """Walks definitions, recording violations of the class and function rules."""

    def __init__(self, lines: list[str], rules: AuditRules) -> None:
        self.lines = lines
        self.rules = rules
        self.violations: list[Violation] = []

    def visit_body(self, body: list[ast.stmt], prefix: str, in_class: bool) -> None:
        for node in body:
            self._visit_statement(node, prefix, in_class)

    def _visit_statement(self, node: ast.stmt, prefix: str, in_class: bool) -> None:
        if isinstance(node, ast.ClassDef):
            self._check_class(node, prefix)
            self.visit_body(node.body, f"{prefix}{node.name}.", in_class=True)
        elif isinstance(node, FUNCTIONS):
            self._check_function(node, prefix, in_class)
            self.visit_body(node.body, f"{prefix}{node.name}.", in_class=False)
        elif type(node) in COMPOUND:  # simple statements hold no statements
            for child in _child_statements(node):
                self._visit_statement(child, prefix, in_class)

    def _check_class(self, node: ast.ClassDef, prefix: str) -> None:
        name = prefix + node.name
        span = (node.end_lineno or node.lineno) - node.lineno + 1
        methods = sum(isinstance(child, FUNCTIONS) for child in node.body)
        self._report(node, "class_lines", name, span)
        self._report(node, "class_methods", name, methods)

    def _check_function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, prefix: str, in_class: bool
    ) -> None:
        name = prefix + node.name
        self._report(node, "function_lines", name, self._counted_lines(node))
        self._report(node, "parameters", name, parameter_count(node, in_class))
        self._report(node, "nesting", name, nesting_depth(node.body))

    def _counted_lines(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
        skipped: set[int] = set()
        first = node.body[0] if node.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            skipped.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
        end = node.end_lineno or node.lineno
        return sum(
            1
            for number in range(node.lineno, end + 1)
            if number not in skipped and self.lines[number - 1].strip()
        )

    def _report(self, node: ast.AST, rule: str, symbol: str, measured: int) -> None:
        limit = self.rules.limit(rule)
        if measured <= limit:
            return
        waived = self._waivers(node).get(rule)
        self.violations.append(Violation(rule, node.lineno, symbol, measured, limit, waived))

    def _waivers(self, node: ast.AST) -> dict[str, str]:
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(d.lineno for d in decorators)])
        found: dict[str, str] = {}
        for number in range(max(1, first - 1), node.lineno + 1):
            found.update(waivers(self.lines[number - 1]))
        return found


def _child_statements(node: ast.stmt) -> list[ast.stmt]:
    """Statements nested in a compound statement (definitions inside `if` etc.)."""
    children: list[ast.stmt] = []
    for name in ("body", "orelse", "finalbody"):
        children.extend(getattr(node, name, []) or [])
    for handler in getattr(node, "handlers", []) or []:
        children.extend(handler.body)
    for case in getattr(node, "cases", []) or []:
        children.extend(case.body)
    return children


def parameter_count(node: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> int:
    """All parameters, minus a method's `self`/`cls`."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    count = len(positional) + len(args.kwonlyargs)
    count += (args.vararg is not None) + (args.kwarg is not None)
    is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    if in_class and not is_static and positional and positional[0].arg in SELF_NAMES:
        count -= 1
    return count


def nesting_depth(body: list[ast.stmt]) -> int:
    """The deepest chain of control-flow blocks in `body` (not entering definitions)."""
    deepest = 0
    for node in body:
        if isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            continue
        if isinstance(node, BLOCKS):
            inner = [child for child in _child_statements(node) if not _is_elif(node, child)]
            elifs = [child for child in _child_statements(node) if _is_elif(node, child)]
            deepest = max(deepest, 1 + nesting_depth(inner), nesting_depth(elifs))
    return deepest


def _is_elif(node: ast.stmt, child: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(child, ast.If)
        and len(node.orelse) == 1
        and node.orelse[0] is child
    )


def symbols_and_imports(
    tree: ast.Module, package: list[str], with_references: bool
) -> tuple[list[Symbol], set[str]]:
    """Top-level functions and classes (spans with decorators), and the module's imports.

    Walking expressions is most of an audit's time, so the names each symbol uses
    are collected only `with_references` (a file over the line limit, whose plan
    needs them); imports are statements and are found without entering expressions.
    """
    symbols: list[Symbol] = []
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, *FUNCTIONS)):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            end = node.end_lineno or node.lineno
            names = _names_used(node) - {node.name} if with_references else set()
            symbols.append(Symbol(node.name, kind, start, end, names))
    imports: set[str] = set()
    statements = list(tree.body)
    for statement in statements:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            imports.update(_imported(statement, package))
        elif type(statement) in COMPOUND:
            statements.extend(_child_statements(statement))
    return symbols, imports


def _names_used(node: ast.AST) -> set[str]:
    """The ids of every `Name` below `node`.

    `ast.walk` cut down to what can hold a name: it skips identifier, operator
    and context fields and constants, which are most of a tree's nodes and
    attributes. The hottest loop of an audit.
    """
    names: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind is ast.Name:
            names.add(current.id)  # type: ignore[attr-defined]
            continue
        fields = _CHILD_FIELDS.get(kind)
        if fields is None:
            fields = _CHILD_FIELDS[kind] = _child_fields(kind)
        for field_name in fields:
            value = getattr(current, field_name)
            if type(value) is list:
                stack.extend(value)
            elif value is not None:
                stack.append(value)
    return names


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
# Fields that never hold a Name: identifiers and flags (str, int), operators, the
# Load/Store context, and lists of plain strings (Global.names) or of import aliases.
_NAMELESS_FIELDS = frozenset(
    {
        *("id", "attr", "name", "arg", "module", "level", "rest", "kwd_attrs", "names"),
        *("ctx", "op", "ops", "kind", "conversion", "is_async", "simple", "type_comment", "tag"),
    }
)
_LEAF_TYPES = (ast.Constant, ast.MatchSingleton)  # their `value` is a Python constant


def _child_fields(kind: type) -> tuple[str, ...]:
    """The fields of an AST node type that may hold a Name, somewhere below."""
    if issubclass(kind, _LEAF_TYPES):
        return ()
    fields = getattr(kind, "_fields", ())
    return tuple(name for name in fields if name not in _NAMELESS_FIELDS)


def _imported(node: ast.Import | ast.ImportFrom, package: list[str]) -> set[str]:
    """Dotted names one import statement brings in, relative ones resolved against `package`.

    `from a import b` yields both `a` and `a.b`: `b` may be a submodule.
    """
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = _resolve(node, package)
    found = {f"{base}.{alias.name}" if base else alias.name for alias in node.names}
    if base:
        found.add(base)
    return found


def _resolve(node: ast.ImportFrom, package: list[str]) -> str:
    if node.level == 0:
        return node.module or ""
    anchor = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*anchor, *([node.module] if node.module else [])])
