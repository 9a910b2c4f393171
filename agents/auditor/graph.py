"""The import graph of an audited package: who depends on a file, and cycles.

Import names are resolved against the audited modules by their longest known
suffix, so `swarmbus.bus.api` finds `bus/api.py` in a tree whose folders are
mapped into a namespace at install time (and `pkg.mod` finds `src/pkg/mod.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportGraph:
    """Directed edges module -> modules it imports, within the audited set."""

    edges: dict[str, set[str]]
    reverse: dict[str, set[str]] = field(default_factory=dict)
    cycle_of: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, imports: Mapping[str, Iterable[str]]) -> ImportGraph:
        """From {module: raw imported names} to a graph of resolved edges."""
        resolver = _Resolver(set(imports))
        edges = {
            module: {t for t in (resolver.resolve(name) for name in names) if t and t != module}
            for module, names in imports.items()
        }
        graph = cls(edges)
        for module, targets in edges.items():
            graph.reverse.setdefault(module, set())
            for target in targets:
                graph.reverse.setdefault(target, set()).add(module)
        for component in strongly_connected(edges):
            if len(component) > 1:
                for module in component:
                    graph.cycle_of[module] = sorted(component)
        return graph

    def importers(self, module: str) -> set[str]:
        """Modules that import `module` directly."""
        return set(self.reverse.get(module, ()))

    def transitive_importers(self, module: str) -> set[str]:
        """Modules that depend on `module` through any chain of imports."""
        seen: set[str] = set()
        stack = list(self.reverse.get(module, ()))
        while stack:
            current = stack.pop()
            if current not in seen and current != module:
                seen.add(current)
                stack.extend(self.reverse.get(current, ()))
        return seen

    def impact(self, module: str) -> dict[str, Any]:
        """The `integration_impact` JSON of one module."""
        cycle = self.cycle_of.get(module, [])
        return {
            "module": module,
            "fan_in": len(self.importers(module)),
            "fan_out": len(self.edges.get(module, ())),
            "transitive_dependents": len(self.transitive_importers(module)),
            "on_cycle": bool(cycle),
            "cycle": cycle,
        }


class _Resolver:
    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.cache: dict[str, str | None] = {}

    def resolve(self, name: str) -> str | None:
        if name not in self.cache:
            parts = name.split(".")
            self.cache[name] = next(
                (
                    ".".join(parts[i:])
                    for i in range(len(parts))
                    if ".".join(parts[i:]) in self.known
                ),
                None,
            )
        return self.cache[name]


def strongly_connected(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (deep import chains must not hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            _visit_next(work, edges, index, low, (stack, on_stack, components))
    return components


def _visit_next(
    work: list[tuple[str, Iterable[str]]],
    edges: Mapping[str, Iterable[str]],
    index: dict[str, int],
    low: dict[str, int],
    state: tuple[list[str], set[str], list[list[str]]],
) -> None:
    stack, on_stack, components = state
    node, children = work[-1]
    for child in children:  # type: ignore[union-attr]
        if child not in index:
            index[child] = low[child] = len(index)
            stack.append(child)
            on_stack.add(child)
            work.append((child, iter(sorted(edges.get(child, ())))))
            return
        if child in on_stack:
            low[node] = min(low[node], index[child])
    work.pop()
    if work:
        parent = work[-1][0]
        low[parent] = min(low[parent], low[node])
    if low[node] == index[node]:
        components.append(_pop_component(stack, on_stack, node))


def _pop_component(stack: list[str], on_stack: set[str], root: str) -> list[str]:
    component = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        component.append(member)
        if member == root:
            return component
