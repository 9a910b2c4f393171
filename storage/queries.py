"""Named SQL blocks, loaded once per dialect: `sql/queries.sql`, which both dialects run
as written, merged with `sql/<dialect>/queries.sql`, the queries that differ.

A block starts with `-- name: <query_name>`, then a one-line `-- <description>`,
then the statement. A name is defined once per dialect: in the shared file, or
in each dialect's file, never in both (no silent override). Repositories are the
only code that reads these.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

_HEADER = re.compile(r"^-- name: ([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)
SHARED_FILE = "queries.sql"


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


def merge(shared: dict[str, str], own: dict[str, str], dialect: str) -> dict[str, str]:
    """The shared queries and a dialect's own; a name in both is refused, not overridden."""
    twice = sorted(set(shared) & set(own))
    if twice:
        raise ValueError(
            f"queries defined both in {SHARED_FILE} and {dialect}/{SHARED_FILE}: "
            f"{', '.join(twice)}; keep one"
        )
    return {**shared, **own}


@functools.cache
def load(dialect: str) -> dict[str, str]:
    """Return the named queries of one dialect."""
    folder = resources.files("swarmbus.storage") / "sql"
    shared = parse_queries((folder / SHARED_FILE).read_text(encoding="utf-8"))
    own = parse_queries((folder / dialect / SHARED_FILE).read_text(encoding="utf-8"))
    return merge(shared, own, dialect)
