"""A config validation error as one line: the file, the key, the bad value, what is allowed.

pydantic reports a location (`("agents", 0, "x")`) and a message meant for
developers; a user needs `swarmbus.toml: agents[1] (Agent-1).x = 'a': must be a
whole number of pixels`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError


def describe_error(path: Path, raw: Any, exc: ValidationError, root: type[BaseModel]) -> str:
    """Turn pydantic's first error on `root` into `file: key = value: what is allowed`."""
    problems = exc.errors(include_url=False)
    first = problems[0]
    loc = list(first["loc"])
    key = _key_name(loc, raw)
    message = str(first["msg"]).removeprefix("Value error, ")
    if loc and loc[-1] in _HINTS and first["type"].startswith("int"):
        message = f"must be {_HINTS[loc[-1]]}"
    elif first["type"] == "extra_forbidden":
        message = f"unknown key; allowed here: {', '.join(_allowed_keys(root, loc))}"
    elif first["type"] == "missing":
        message = "required key is missing"
    elif first["type"] == "too_short" and loc == ["agents"]:
        message = "no agents configured; add at least one [[agents]] table"
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    where = f"{path}: {key}" if key else f"{path}"
    if first["type"] == "missing" or _is_table(first["input"]):
        return f"{where}: {message}{more}"
    return f"{where} = {first['input']!r}: {message}{more}"


_HINTS = {
    "x": "a whole number of pixels (negative on a monitor left of the primary one)",
    "y": "a whole number of pixels (negative on a monitor above the primary one)",
}


def _is_table(value: Any) -> bool:
    return isinstance(value, dict | list)


def _key_name(loc: list[Any], raw: Any) -> str:
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            label = f"[{item + 1}]"
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict):
                name = node[item].get("name")
                label += f" ({name})" if isinstance(name, str) else ""
            parts.append(label)
            node = node[item] if isinstance(node, list) and item < len(node) else None
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def _allowed_keys(root: type[BaseModel], loc: list[Any]) -> list[str]:
    model = root
    for item in loc[:-1]:
        if isinstance(item, int):
            continue
        field = model.model_fields.get(str(item))
        annotation = getattr(field, "annotation", None)
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not nested:
            break
        model = nested[0]
    return sorted(model.model_fields)
