"""Which files an audit reads, and reading them without crashing on odd ones.

Include/exclude patterns and `.gitignore` files (at any depth) use git's own
wildmatch rules, through `pathspec`. Symlinked folders are not followed, so a
link loop cannot trap the walk; a file that cannot be read as UTF-8 text is
reported, not raised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pathspec

from swarmbus import errors, fsutil
from swarmbus.agents.auditor.rules import AuditRules

BINARY_SNIFF = 8192  # bytes checked for a NUL to call a file binary
MAX_SOURCE_BYTES = 16 * 1024 * 1024  # a bigger file is generated or data: skipped, not read whole
MAX_GITIGNORE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """One file to audit: where it is, its name in reports, its module name."""

    path: Path
    relative: str
    module: str | None = None
    is_package: bool = False

    @property
    def is_python(self) -> bool:
        return self.relative.endswith(".py")


class Unreadable(Exception):
    """A file the auditor cannot read as text; `reason` says why.

    `skip`: the file is no source at all (binary, huge), so it is no component;
    otherwise it is one with an `unreadable` violation.
    """

    def __init__(self, reason: str, skip: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.skip = skip


def discover(root: Path, rules: AuditRules) -> list[SourceFile]:
    """Every file under `root` (or `root` itself) that the rules select."""
    if not root.exists() and not root.is_symlink():
        raise errors.UsageError(f"path {root} does not exist")
    if root.is_file() or root.is_symlink():
        return [_source(root, root.name)]
    include = pathspec.GitIgnoreSpec.from_lines(rules.include)
    exclude = pathspec.GitIgnoreSpec.from_lines(rules.exclude)
    ignores = _GitIgnores(root)
    found = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        base = Path(folder)
        ignores.load(base)
        dirs[:] = sorted(d for d in dirs if not _skipped_dir(base / d, root, exclude, ignores))
        for name in sorted(names):
            relative = (base / name).relative_to(root).as_posix()
            if (
                include.match_file(relative)
                and not exclude.match_file(relative)
                and not ignores.ignored(base / name)
            ):
                found.append(_source(base / name, relative))
    return found


def _skipped_dir(
    path: Path, root: Path, exclude: pathspec.GitIgnoreSpec, ignores: _GitIgnores
) -> bool:
    relative = path.relative_to(root).as_posix() + "/"
    return path.name == ".git" or exclude.match_file(relative) or ignores.ignored(path, True)


def _source(path: Path, relative: str) -> SourceFile:
    if not relative.endswith(".py"):
        return SourceFile(path, relative)
    parts = relative[: -len(".py")].split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return SourceFile(path, relative, ".".join(parts) or path.parent.name, is_package)


class _GitIgnores:
    """The `.gitignore` files met so far, each applying below its own folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.specs: list[tuple[Path, pathspec.GitIgnoreSpec]] = []

    def load(self, folder: Path) -> None:
        ignore_file = folder / ".gitignore"
        if ignore_file.is_file():
            try:
                data = fsutil.read_file_at_most(ignore_file, MAX_GITIGNORE_BYTES)
            except (OSError, fsutil.TooLarge):
                return
            lines = data.decode("utf-8", errors="replace").splitlines()
            self.specs.append((folder, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, path: Path, is_dir: bool = False) -> bool:
        for base, spec in self.specs:
            if base == path or base not in path.parents:
                continue
            relative = path.relative_to(base).as_posix() + ("/" if is_dir else "")
            if spec.match_file(relative):
                return True
        return False


def read_text(path: Path) -> str:
    """The file's text; raise `Unreadable` for binary, huge, non-UTF-8 or unreachable files.

    A huge file (or a link to an endless device) is read only up to the limit
    and skipped like a binary one.
    """
    try:
        data = fsutil.read_file_at_most(path, MAX_SOURCE_BYTES)
    except fsutil.TooLarge:
        raise Unreadable(f"larger than {fsutil.size_text(MAX_SOURCE_BYTES)}", skip=True) from None
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    if b"\x00" in data[:BINARY_SNIFF]:
        raise Unreadable("binary file", skip=True)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}") from None


def physical_lines(text: str) -> int:
    """Lines as `wc -l` counts them, plus a last line without a newline."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)
