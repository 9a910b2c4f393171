"""Reservation patterns: which paths a pattern covers, and whether two patterns overlap.

A pattern is a path relative to the project, with globs: `?` and `*` stay
within one path segment, `[...]` is a character class, and `**` as a whole
segment spans any number of segments (none included). A pattern covers
exactly the paths it matches: `src/*.py` the Python files directly in `src`.
A folder is reserved with everything in it by a trailing `/` (`storage/`, kept
as `storage/**`), and a plain path that names a folder of the project is
taken as that folder (the caller says which paths are folders). Letting every
pattern cover what lies below its matches instead would make `docs/*.md`
overlap `**/*.py` through a folder named `x.md`, and `a/conftest.py` overlap
`**/test_*.py`, which nobody means.

Two patterns overlap when one path is covered by both. That is decided
exactly, not by sampling paths: each pattern becomes a small automaton over
characters, and a search over pairs of their states looks for a string both
accept. Characters the patterns never name behave alike, so one stand-in
character represents them all and the search stays finite. Checking a concrete
path uses a regular expression compiled from the same tokens (fast enough for a
commit hook), and tests check that both agree.
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

PATTERN_RULE = (
    "a path relative to the project root, with optional globs (*, ?, [...], ** as a "
    "whole segment); no absolute paths, no '..', at most 512 characters"
)
MAX_PATTERN = 512

_OTHER = "\x00"  # stands for every character no pattern names (NUL is never in a path)


class PatternError(ValueError):
    """A pattern that is not a relative path glob."""


def normalize(pattern: str, is_folder: Callable[[str], bool] | None = None) -> str:
    """The canonical form of a pattern (`./a//b.py` -> `a/b.py`, `src/` -> `src/**`).

    `is_folder(path)` says whether a plain path names a folder of the project;
    such a path is reserved with everything in it. A bad pattern is `PatternError`.
    """
    text = pattern.strip().replace("\\", "/")
    if not text:
        raise PatternError(f"pattern {pattern!r} is empty; expected {PATTERN_RULE}")
    if len(text) > MAX_PATTERN or "\x00" in text:
        raise PatternError(f"pattern {pattern[:40]!r}… is not allowed; expected {PATTERN_RULE}")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text) or text.startswith("~"):
        raise PatternError(f"pattern {pattern!r} is absolute; expected {PATTERN_RULE}")
    folder = text.endswith("/")
    segments = [s for s in text.split("/") if s not in ("", ".")]
    if ".." in segments:
        raise PatternError(f"pattern {pattern!r} contains '..'; expected {PATTERN_RULE}")
    if not segments:
        raise PatternError(f"pattern {pattern!r} names no path; expected {PATTERN_RULE}")
    joined = "/".join(segments)
    if not folder and is_folder is not None and not is_glob(joined):
        folder = is_folder(joined)
    if folder and segments[-1] != "**":
        segments.append("**")  # a folder: everything in it
    kept = [s for i, s in enumerate(segments) if s != "**" or segments[i - 1 : i] != ["**"]]
    return "/".join(kept)


def is_glob(pattern: str) -> bool:
    """Whether the pattern has glob characters (else it is a path, covering its subtree)."""
    return any(kind != "lit" for kind, _ in _tokens(pattern))


def covers_everything(pattern: str) -> bool:
    """Whether a (normalized) pattern covers every path of the project (`**`, `**/*`…).

    The search walks every well-formed path (names joined by single slashes)
    through the pattern's automaton and stops at the first one it leaves out.
    """
    automaton = _cached_automaton(pattern)
    start = (automaton.closure([0]), False)  # (states, inside a name)
    seen = {start}
    queue = deque([start])
    while queue:
        states, in_name = queue.popleft()
        if in_name and automaton.accept not in states:
            return False  # a path it does not cover
        for char in _alphabet(pattern):
            if char == "/" and not in_name:
                continue  # no empty names
            pair = (automaton.step(states, char), char != "/")
            if pair not in seen:
                seen.add(pair)
                queue.append(pair)
    return True


# ---------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class _Class:
    chars: frozenset[str]
    negated: bool

    def accepts(self, char: str) -> bool:
        return char != "/" and (char in self.chars) != self.negated


Token = tuple[str, object]  # ("lit", char) ("one",) ("star",) ("class", _Class) ("deep",) ("tail",)


@functools.lru_cache(maxsize=4096)
def _tokens(pattern: str) -> tuple[Token, ...]:
    tokens: list[Token] = []
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            tokens.append(("tail", None) if last else ("deep", None))
            continue
        tokens.extend(_segment_tokens(segment))
        if not last:
            tokens.append(("lit", "/"))
    return tuple(tokens)


def _segment_tokens(segment: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1  # `a**b` is `a*b`, as in .gitignore
            tokens.append(("star", None))
        elif char == "?":
            tokens.append(("one", None))
        elif char == "[" and (end := _class_end(segment, i)) is not None:
            tokens.append(("class", _parse_class(segment[i + 1 : end])))
            i = end
        else:
            tokens.append(("lit", char))
        i += 1
    return tokens


def _class_end(segment: str, start: int) -> int | None:
    i = start + 1
    if i < len(segment) and segment[i] in "!^":
        i += 1
    if i < len(segment) and segment[i] == "]":
        i += 1  # a leading ] is a member
    end = segment.find("]", i)
    return None if end < 0 else end


def _parse_class(body: str) -> _Class:
    negated = bool(body) and body[0] in "!^"
    body = body[1:] if negated else body
    chars: set[str] = set()
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = ord(body[i]), ord(body[i + 2])
            if high - low > 0x2000:
                raise PatternError(f"character range [{body[i]}-{body[i + 2]}] is too wide")
            chars.update(chr(c) for c in range(low, high + 1))
            i += 3
        else:
            chars.add(body[i])
            i += 1
    chars.discard("/")
    return _Class(frozenset(chars), negated)


# ---------------------------------------------------------------- matching paths


@functools.lru_cache(maxsize=4096)
def compiled(pattern: str) -> re.Pattern[str]:
    """A regular expression for the paths a (normalized) pattern matches."""
    parts: list[str] = []
    for kind, value in _tokens(pattern):
        if kind == "lit":
            parts.append(re.escape(str(value)))
        elif kind == "one":
            parts.append("[^/]")
        elif kind == "star":
            parts.append("[^/]*")
        elif kind == "class":
            parts.append(_class_regex(value))  # type: ignore[arg-type]
        elif kind == "deep":
            parts.append("(?:[^/]*/)*")
        else:  # tail: anything below
            parts.append(".*")
    return re.compile("".join(parts), re.DOTALL)


def _class_regex(cls: _Class) -> str:
    members = "".join(re.escape(c) for c in sorted(cls.chars))
    if cls.negated:
        return f"[^/{members}]"
    return f"[{members}]" if members else "(?!)"


def covers(pattern: str, path: str) -> bool:
    """Whether the (normalized) pattern covers the relative path (a file, as git names it)."""
    return compiled(pattern).fullmatch(path) is not None


# ---------------------------------------------------------------- automata


@dataclass
class _Automaton:
    """An NFA: per state, its (token, next state) moves and its empty moves."""

    moves: list[list[tuple[Token, int]]]
    empty: list[list[int]]
    accept: int

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        seen = set(states)
        stack = list(seen)
        while stack:
            for nxt in self.empty[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return frozenset(seen)

    def step(self, states: frozenset[int], char: str) -> frozenset[int]:
        return self.closure(t for s in states for tok, t in self.moves[s] if _accepts(tok, char))


def _accepts(token: Token, char: str) -> bool:
    kind, value = token
    if kind == "lit":
        return char == value
    if kind == "class":
        return value.accepts(char)  # type: ignore[union-attr]
    if kind == "any":
        return True
    return char != "/"  # one, star, and the inside of a deep segment


def _automaton(pattern: str) -> _Automaton:
    moves: list[list[tuple[Token, int]]] = []
    empty: list[list[int]] = []

    def state() -> int:
        moves.append([])
        empty.append([])
        return len(moves) - 1

    current = state()
    for token in _tokens(pattern):
        current = _add(token, current, state, moves, empty)
    return _Automaton(moves, empty, current)


def _add(
    token: Token,
    at: int,
    state: Callable[[], int],
    moves: list[list[tuple[Token, int]]],
    empty: list[list[int]],
) -> int:
    kind = token[0]
    nxt = state()
    if kind == "star":
        moves[at].append((("one", None), at))
        empty[at].append(nxt)
    elif kind == "deep":  # (segment '/')*: none, or whole segments each ending in '/'
        inside = state()
        empty[at].append(nxt)
        moves[at].append((("one", None), inside))
        moves[at].append((("lit", "/"), at))
        moves[inside].append((("one", None), inside))
        moves[inside].append((("lit", "/"), at))
    elif kind == "tail":
        moves[at].append((("any", None), at))
        empty[at].append(nxt)
    else:
        moves[at].append((token, nxt))
    return nxt


@functools.lru_cache(maxsize=4096)
def _cached_automaton(pattern: str) -> _Automaton:
    return _automaton(pattern)


def _alphabet(*patterns: str) -> list[str]:
    chars = {"/", _OTHER}
    for pattern in patterns:
        for kind, value in _tokens(pattern):
            if kind == "lit":
                chars.add(str(value))
            elif kind == "class":
                chars.update(value.chars)  # type: ignore[union-attr]
    return sorted(chars)


def literal_prefix(pattern: str) -> str:
    """The text every path the pattern covers starts with (up to its first glob)."""
    prefix = []
    for kind, value in _tokens(pattern):
        if kind != "lit":
            break
        prefix.append(str(value))
    return "".join(prefix)


def plain_prefix(pattern: str) -> str:
    """The (normalized) pattern up to its first glob character: a prefix of `literal_prefix`
    found without parsing, for sorting hundreds of patterns cheaply (the commit hook)."""
    cut = min((at for at in map(pattern.find, "*?[") if at >= 0), default=len(pattern))
    return pattern[:cut]


def overlap(first: str, second: str) -> bool:
    """Whether some path is covered by both (normalized) patterns."""
    one, two = literal_prefix(first), literal_prefix(second)
    if not (one.startswith(two) or two.startswith(one)):
        return False  # they part ways before any glob: no path can start with both
    a, b = _cached_automaton(first), _cached_automaton(second)
    alphabet = _alphabet(first, second)
    start = (a.closure([0]), b.closure([0]))
    seen = {start}
    queue = deque([start])
    while queue:
        left, right = queue.popleft()
        if a.accept in left and b.accept in right:
            return True
        for char in alphabet:
            pair = (a.step(left, char), b.step(right, char))
            if pair[0] and pair[1] and pair not in seen:
                seen.add(pair)
                queue.append(pair)
    return False
