"""Each V2 rule just under and just over its limit, measured exactly."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from swarmbus.agents.auditor import analysis, files, python_source
from swarmbus.agents.auditor.python_source import measure, nesting_depth
from swarmbus.agents.auditor.rules import AuditRules, waivers
from swarmbus.agents.auditor.scoring import verdict

RULES = AuditRules()


def function_with_lines(name: str, body_lines: int) -> str:
    """A function whose counted lines (def line + body) are exactly `body_lines` + 1."""
    body = "\n".join(f"    x{n} = {n}" for n in range(body_lines))
    docstring = '    """Docstring lines do not count.\n\n    Neither do blanks."""\n'
    return f"def {name}():\n{docstring}\n{body}\n"


def found(source: str) -> dict[tuple[str, str], tuple[object, object]]:
    facts = measure(textwrap.dedent(source), "pkg.mod", RULES)
    return {(v.rule, v.symbol): (v.measured, v.limit) for v in facts.violations}


def test_function_lines_count_without_docstring_and_blank_lines() -> None:
    assert found(function_with_lines("ok", 29)) == {}  # 30 counted lines
    assert found(function_with_lines("long", 30)) == {("function_lines", "long"): (31, 30)}


def test_comments_count_as_lines() -> None:
    source = "def f():\n" + "    # note\n" * 29 + "    return 1\n"
    assert found(source) == {("function_lines", "f"): (31, 30)}


def test_parameters_exclude_self_but_count_star_args() -> None:
    source = """
    class C:
        def ok(self, a, b, c, d, e): ...
        def many(self, a, b, c, d, e, f): ...
        @staticmethod
        def static(a, b, c, d, e, f): ...
    def star(a, b, *args, c, d, **kwargs): ...
    def five(a, /, b, *, c, d, e): ...
    """
    assert found(source) == {
        ("parameters", "C.many"): (6, 5),
        ("parameters", "C.static"): (6, 5),
        ("parameters", "star"): (6, 5),
    }


def test_nesting_depth_and_elif_chains() -> None:
    source = """
    def four(x):
        if x:
            for y in x:
                while y:
                    with y:
                        pass
    def five(x):
        if x:
            for y in x:
                while y:
                    with y:
                        try:
                            pass
                        except Exception:
                            pass
    def chain(x):
        if x == 1:
            pass
        elif x == 2:
            pass
        elif x == 3:
            if x:
                pass
    """
    assert found(source) == {("nesting", "five"): (5, 4)}


def test_nested_functions_are_measured_on_their_own() -> None:
    import ast

    tree = ast.parse(
        "def f():\n    if 1:\n        def g():\n            if 1:\n                if 1:\n"
        "                    pass\n"
    )
    assert nesting_depth(tree.body[0].body) == 1  # type: ignore[attr-defined]
    facts = measure("def f():\n    def g(a, b, c, d, e, f): ...\n", "m", RULES)
    assert [(v.rule, v.symbol) for v in facts.violations] == [("parameters", "f.g")]


def test_class_methods_and_class_lines() -> None:
    ten = "class Ten:\n" + "".join(f"    def m{n}(self): ...\n" for n in range(10))
    eleven = "class Eleven:\n" + "".join(f"    def m{n}(self): ...\n" for n in range(11))
    assert found(ten) == {}
    assert found(eleven) == {("class_methods", "Eleven"): (11, 10)}
    big = "class Big:\n" + "    x = 1\n" * 200  # 201 physical lines
    assert found(big) == {("class_lines", "Big"): (201, 200)}
    assert found("class Fits:\n" + "    x = 1\n" * 199) == {}


def test_file_lines_apply_to_every_text_file(tmp_path: Path) -> None:
    for name, count in (("fits.md", 400), ("long.md", 401), ("long.ts", 401), ("fits.py", 400)):
        (tmp_path / name).write_text("x = 1\n" * count)
    results = {
        r.source.relative: r for r in analysis.analyze_all(files.discover(tmp_path, RULES), RULES)
    }
    assert results["fits.md"].violations == []
    assert results["fits.py"].violations == []
    assert [(v.rule, v.measured) for v in results["long.md"].violations] == [("file_lines", 401)]
    assert [(v.rule, v.measured) for v in results["long.ts"].violations] == [("file_lines", 401)]


def test_a_syntax_error_is_a_violation_that_zeroes_the_score() -> None:
    facts = measure("def broken(:\n    pass\n", "m", RULES)
    assert [(v.rule, v.line) for v in facts.violations] == [("syntax", 1)]
    assert verdict(facts.violations).score == 0.0


def test_waivers_need_a_rule_and_keep_the_reason() -> None:
    assert waivers("def f(a):  # v2-allow: params typer maps options") == {
        "parameters": "typer maps options"
    }
    assert waivers("# v2-allow: nesting,function_lines") == {
        "nesting": "no reason given",
        "function_lines": "no reason given",
    }
    assert waivers("# just a comment") == {}
    source = "def f(a, b, c, d, e, f):  # v2-allow: parameters a CLI command\n    pass\n"
    (violation,) = measure(source, "m", RULES).violations
    assert violation.waived == "a CLI command"
    assert verdict([violation]).score == 100.0
    assert not verdict([violation]).refactoring_required


def test_scoring_formula_and_priorities() -> None:
    from swarmbus.agents.auditor.rules import Violation

    one_over = Violation("function_lines", 1, "f", 31, 30)
    double = Violation("function_lines", 1, "g", 60, 30)
    assert verdict([]).score == 100.0
    assert verdict([]).priority == "low"
    assert verdict([one_over]).score == pytest.approx(100 - 5 - 20 / 30, abs=0.1)
    assert verdict([one_over]).priority == "low"  # minor: within 10 % of the limit
    assert verdict([double]).score == 75.0
    assert verdict([double]).priority == "medium"
    assert verdict([double] * 4).priority == "high"  # the seed: more than 3 violations
    assert verdict([double] * 4).cycles == 4
    assert verdict([one_over]).cycles == 1


def test_configured_limits_are_used() -> None:
    strict = AuditRules(function_lines=5, parameters=1)
    facts = measure(
        "def f(a, b):\n    x = 1\n    y = 2\n    z = 3\n    w = 4\n    v = 5\n", "m", strict
    )
    assert {(v.rule, v.measured, v.limit) for v in facts.violations} == {
        ("function_lines", 6, 5),
        ("parameters", 2, 1),
    }


EVERY_KIND_OF_NAME = """
@decorator(arg)
def f(a: A = default, *args: B, key: C = kdefault, **kw: D) -> R:
    global g
    lam = lambda x=ldefault: x + outer
    items = [i * scale for i in source if i > limit]
    text = f"{fvalue!r:{width}}"
    if (walrus := compute()) and not flag:
        del target[index]
    match subject:
        case Point(x=px, y=0) | [first, *rest] | {"k": mv, **others}:
            pass
        case Klass.attr if guard:
            raise Error from cause
    with manager() as (m1, m2):
        async_like = await_ish[start:stop:step]
    try:
        pass
    except (E1, E2) as caught:
        assert check, message
    return Outer.inner(keyword=kwvalue, *star, **dstar)
"""


@pytest.mark.parametrize("module", ["ast", "dataclasses", "typing", "asyncio.base_events"])
def test_names_used_finds_what_ast_walk_finds(module: str) -> None:
    """The auditor's trimmed walk must miss no Name that `ast.walk` sees."""
    import importlib.util

    origin = importlib.util.find_spec(module).origin  # type: ignore[union-attr]
    for source in (Path(origin).read_text(encoding="utf-8"), EVERY_KIND_OF_NAME):  # type: ignore[arg-type]
        for node in ast.parse(source).body:
            expected = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            assert python_source._names_used(node) == expected
