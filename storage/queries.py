"""Named SQL blocks, loaded once per dialect from `sql/<dialect>/queries.sql`.

A block starts with `-- name: <query_name>`, then a one-line `-- <description>`,
then the statement. Repositories are the only code that reads these.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

_HEADER = re.compile(r"^-- name: ([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


def parse_queries(text: str) -> dict[str, str]:
    """Split a queries file into {name: statement}."""
    parts = _HEADER.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        lines = [line for line in body.strip().splitlines() if not line.startswith("--")]
        statement = "\n".join(lines).strip().rstrip(";")
        if name in queries:
            raise ValueError(f"query {name!r} is defined twice")
        if not statement:
            raise ValueError(f"query {name!r} has no statement")
        queries[name] = statement
    return queries


@functools.cache
def load(dialect: str) -> dict[str, str]:
    """Return the named queries of one dialect."""
    path = resources.files("swarmbus.storage") / "sql" / dialect / "queries.sql"
    return parse_queries(path.read_text(encoding="utf-8"))
