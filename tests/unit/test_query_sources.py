"""One SQL source: every query name the code uses resolves in each dialect it runs on.

Names are found with `ast`: string subscripts of a loaded query dict
(`self._q["name"]`, `_Q["name"]`, `queries["name"]`, `sql.load(d)["name"]`).
Two places pick a query by a variable, from a table of names beside them
(maintenance's operations, retention's targets); those tables are checked too,
and no other place may do so unnoticed.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from swarmbus.storage import maintenance, retention
from swarmbus.storage.queries import load, merge, parse_queries

REPO = Path(__file__).parents[2]
DIALECTS = ("sqlite", "postgres")
QUERY_DICTS = {"_q", "_Q", "queries"}  # the names a loaded query dict goes by
# Modules that only ever run on one dialect.
BOUND = {"storage/backup.py": ("sqlite",), "storage/sqlite.py": ("sqlite",)}
BOUND["storage/postgres.py"] = ("postgres",)
# Where a query is picked by a variable, and the names it picks from.
BY_VARIABLE = {
    "storage/maintenance.py": set(maintenance.OPERATIONS),
    "storage/retention.py": {name for pair in retention.TARGETS.values() for name in pair},
}


def _is_query_dict(node: ast.expr) -> bool:
    if isinstance(node, ast.Name | ast.Attribute):
        return (node.id if isinstance(node, ast.Name) else node.attr) in QUERY_DICTS
    func = node.func if isinstance(node, ast.Call) else None
    return isinstance(func, ast.Name | ast.Attribute) and (
        (func.id if isinstance(func, ast.Name) else func.attr) == "load"
    )


def used_names() -> tuple[dict[str, set[str]], dict[str, int]]:
    """{file: query names it names literally}, {file: subscripts by a variable}."""
    literal: dict[str, set[str]] = {}
    variable: dict[str, int] = {}
    for folder in ("storage", "bus", "agents", "discord_bot", "swarmbus"):
        for path in sorted((REPO / folder).rglob("*.py")):
            relative = str(path.relative_to(REPO))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Subscript) or not isinstance(node.ctx, ast.Load):
                    continue
                if not _is_query_dict(node.value):
                    continue
                if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                    literal.setdefault(relative, set()).add(node.slice.value)
                else:
                    variable[relative] = variable.get(relative, 0) + 1
    return literal, variable


def test_every_query_name_the_code_uses_resolves_in_its_dialects() -> None:
    literal, _ = used_names()
    assert sum(map(len, literal.values())) > 50  # the walk found the repositories
    names = {path: found | BY_VARIABLE.get(path, set()) for path, found in literal.items()}
    missing = [
        f"{path}: {name!r} in {dialect}"
        for path, found in sorted(names.items())
        for dialect in BOUND.get(path, DIALECTS)
        for name in sorted(found - set(load(dialect)))
    ]
    assert not missing, "query names that do not resolve:\n" + "\n".join(missing)


def test_queries_are_picked_by_a_variable_only_from_a_known_table() -> None:
    _, variable = used_names()
    assert set(variable) == set(BY_VARIABLE), variable


def test_a_name_in_both_the_shared_and_a_dialect_file_is_refused() -> None:
    shared = parse_queries("-- name: a\n-- x\nSELECT 1;\n-- name: b\n-- y\nSELECT 2;")
    own = parse_queries("-- name: b\n-- z\nSELECT 3;")
    with pytest.raises(ValueError, match=r"both in queries\.sql and sqlite/queries\.sql: b"):
        merge(shared, own, "sqlite")
    assert merge(shared, {}, "sqlite") == shared


def test_the_shared_file_ships_and_each_dialect_file_holds_only_what_differs() -> None:
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "swarmbus.storage.sql" in setuptools["packages"]
    assert setuptools["package-data"]["swarmbus.storage.sql"] == ["*.sql"]
    shared = parse_queries((REPO / "storage/sql/queries.sql").read_text(encoding="utf-8"))
    for dialect in DIALECTS:
        own = parse_queries((REPO / f"storage/sql/{dialect}/queries.sql").read_text())
        assert not set(own) & set(shared), dialect
        assert set(load(dialect)) == set(shared) | set(own)
