"""Reservation patterns: normalizing, covering paths, and exact glob-against-glob overlap."""

from __future__ import annotations

import itertools
import random

import pytest

from swarmbus.model import globs

OVERLAP = [
    # (first, second, overlap?)
    ("src/**", "src/a/*.py", True),
    ("src/a/*.py", "src/b/*.py", False),
    ("src/a.py", "src/a.py", True),
    ("src/a.py", "src/b.py", False),
    ("storage/", "storage/claims.py", True),  # a folder covers its files
    ("storage/claims.py", "storage/", True),
    ("storage/", "storage2/x.py", False),  # a name is not a prefix of a longer name
    ("*.py", "src/x.py", False),  # * stays in one segment: only top-level .py files
    ("*.py", "x.py", True),
    ("src/*", "src/a/b/c.py", False),  # a glob covers what it matches: src/a, not below it
    ("src/*", "src/a", True),
    ("src/*/", "src/a/b/c.py", True),  # with a trailing slash: every folder, and its content
    ("docs/*.md", "**/*.py", False),  # not through a folder named x.md
    ("**/*.py", "docs/**", True),  # docs/x.py
    ("**/test_*.py", "tests/unit/test_globs.py", True),
    ("**/test_*.py", "tests/unit/conftest.py", False),
    ("src/**/x.py", "src/x.py", True),  # ** spans no segment too
    ("src/**/x.py", "src/a/b/x.py", True),
    ("src/**/x.py", "src/a/bx.py", False),
    ("a/**/b", "a/c/**/b", True),  # a/c/b
    ("a/**/b", "a/c/**/d", False),
    ("[ab].py", "c.py", False),
    ("[ab].py", "?.py", True),
    ("[!a].py", "a.py", False),
    ("[!a].py", "b.py", True),
    ("*.md", "*.py", False),
    ("a*", "*b", True),  # ab
    ("a*c", "*b*", True),  # abc
    ("x/?", "x/ab", False),
    ("x/??", "x/a*", True),
    ("bus/api.py", "bus/*.py", True),
    ("bus/api.py", "bus/cli/*.py", False),
    ("日本/*.md", "日本/メモ.md", True),
    ("日本/*.md", "日本語/*.md", False),
]


@pytest.mark.parametrize(("first", "second", "expected"), OVERLAP)
def test_overlap_is_decided_exactly_and_symmetrically(
    first: str, second: str, expected: bool
) -> None:
    a, b = globs.normalize(first), globs.normalize(second)
    assert globs.overlap(a, b) is expected
    assert globs.overlap(b, a) is expected


COVERS = [
    ("storage/", "storage/claims.py", True),
    ("storage/", "storage2/x", False),
    ("storage", "storage/claims.py", False),  # a plain path is that file (see the folder test)
    ("src/*.py", "src/a.py", True),
    ("src/*.py", "src/a/b.py", False),
    ("src/**", "src/a/b/c", True),
    ("src/**", "src", False),
    ("**/x", "x", True),
    ("**/x", "a/b/x", True),
    ("**/x", "a/b/x/y", False),
    ("**/x/**", "a/b/x/y", True),
    ("*", ".hidden", True),
    ("a/[bc]/d", "a/c/d", True),
    ("a/[!bc]/d", "a/c/d", False),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), COVERS)
def test_covers_exactly_what_it_matches(pattern: str, path: str, expected: bool) -> None:
    assert globs.covers(globs.normalize(pattern), path) is expected


def automaton_covers(pattern: str, path: str) -> bool:
    automaton = globs._cached_automaton(pattern)
    states = automaton.closure([0])
    for char in path:
        states = automaton.step(states, char)
    return automaton.accept in states


def test_the_fast_matcher_agrees_with_the_automaton() -> None:
    """`covers` (a regex, fast enough for the commit hook) and `overlap` (automata) are
    built from the same tokens; on random paths both accept exactly the same ones."""
    rng = random.Random(7)
    names = ["a", "b", "ab", ".x", "x.py", "日本", "c", "t_1.py", "src", "test_a.py"]
    patterns = {globs.normalize(p) for pair in OVERLAP for p in pair[:2]} | {"*", "**", "?/*"}
    agreed = 0
    for _ in range(3000):
        path = "/".join(rng.choice(names) for _ in range(rng.randint(1, 4)))
        pattern = rng.choice(sorted(patterns))
        assert globs.covers(pattern, path) == automaton_covers(pattern, path), (pattern, path)
        agreed += globs.covers(pattern, path)
    assert agreed > 100  # the sample really exercised matches


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("./src//a.py", "src/a.py"),
        ("src/", "src/**"),
        ("a/**/**/b", "a/**/b"),
        ("x\\y", "x/y"),
        ("src/*/", "src/*/**"),
        ("src/**/", "src/**"),
    ],
)
def test_normalize(raw: str, normal: str) -> None:
    assert globs.normalize(raw) == normal


def test_a_plain_path_that_names_a_folder_is_that_folder() -> None:
    folders = {"storage", "storage/sql"}
    assert globs.normalize("storage", folders.__contains__) == "storage/**"
    assert globs.normalize("./storage/sql", folders.__contains__) == "storage/sql/**"
    assert globs.normalize("storage/claims.py", folders.__contains__) == "storage/claims.py"
    assert globs.normalize("stor*", folders.__contains__) == "stor*"  # globs are asked nothing


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("/etc/passwd", "is absolute"),
        ("C:/work/x.py", "is absolute"),
        ("~/x", "is absolute"),
        ("src/../secrets", "contains '..'"),
        ("..", "contains '..'"),
        ("./", "names no path"),
        ("a" * 600, "is not allowed"),
    ],
)
def test_bad_patterns_are_one_clear_line(raw: str, why: str) -> None:
    with pytest.raises(globs.PatternError, match=why) as caught:
        globs.normalize(raw)
    assert "\n" not in str(caught.value)
    assert "relative to the project root" in str(caught.value)


@pytest.mark.parametrize(
    ("pattern", "everything"),
    [
        ("**", True),
        ("**/*", True),
        ("**/?*", True),
        ("*/", False),  # every top-level folder's content, but not top-level files
        ("*", False),
        ("?*", False),
        ("[!x]*/**", False),
        ("*/**", False),
        ("src/**", False),
        ("*.py", False),
        ("src", False),
    ],
)
def test_a_pattern_that_covers_the_whole_project_is_recognised(
    pattern: str, everything: bool
) -> None:
    assert globs.covers_everything(globs.normalize(pattern)) is everything


def test_overlap_stays_fast_on_long_patterns() -> None:
    long_a = "/".join(f"seg{n}*" for n in range(12)) + "/**/*.py"
    long_b = "/".join(f"seg{n}?*" for n in range(12)) + "/x/y/z.py"
    for a, b in itertools.product([long_a, "**"], [long_b, "seg0x/**"]):
        assert globs.overlap(globs.normalize(a), globs.normalize(b))


@pytest.mark.parametrize(
    "pattern",
    sorted({p for a, b, _ in OVERLAP for p in (a, b)} | {p for p, _, _ in COVERS} | {"a/[b", "x"}),
)
def test_the_plain_prefix_is_a_prefix_of_every_covered_path(pattern: str) -> None:
    normalized = globs.normalize(pattern)
    prefix = globs.plain_prefix(normalized)
    assert globs.literal_prefix(normalized).startswith(prefix)
    for _, path, expected in [c for c in COVERS if c[0] == pattern]:
        assert not expected or path.startswith(prefix)


@pytest.mark.parametrize(("first", "second", "expected"), OVERLAP)
def test_overlapping_patterns_have_plain_prefixes_one_of_which_starts_the_other(
    first: str, second: str, expected: bool
) -> None:
    """What the grant relies on to skip parsing reservations that cannot conflict."""
    from swarmbus.bus.reservation_rules import may_overlap

    a, b = globs.normalize(first), globs.normalize(second)
    if expected:
        assert may_overlap([a])(b)
        assert may_overlap([b])(a)
