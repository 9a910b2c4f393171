"""A careless or hostile user: every case is one line on stderr, a non-zero exit, nothing changed.

Each case runs the real `swarmbus` command in its own process, in its own copy
of one prepared swarm folder (config, database with one message sent under an
idempotency key and one audit run, a few source files). Afterwards the folder
holds exactly the same files with exactly the same bytes: no stray file, the
database byte-identical. Cases that read endless or huge input run with their
address space capped (1 GiB), so reading it whole fails fast instead of
swapping; the full disk is a file-size limit (`ulimit -f`). Cases run in a
thread pool, a few processes at a time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MIB = 1024 * 1024
MEMORY_CAP_KIB = 1024 * 1024  # 1 GiB of address space: an unbounded read fails fast
WORKERS = 4

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One hostile command line and a piece of the one error line it must give."""

    name: str
    args: tuple[str, ...]
    expected: str
    exit_code: int = 2
    setup: Setup | None = None  # prepares the case's folder before the snapshot
    env: dict[str, str] = field(default_factory=dict)  # "{folder}" is the case's folder
    stdin: str | None = None  # "endless" (yes), or a file in the folder
    ulimit: tuple[str, ...] = ()  # bash ulimit options, e.g. ("-f", "16")
    hidden: str | None = None  # must not appear on stderr (a password)


def write(name: str, text: str) -> Setup:
    def setup(folder: Path) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    return setup


def sparse(name: str, size: int) -> Setup:
    """A file of `size` bytes that takes no disk space (all zeros)."""

    def setup(folder: Path) -> None:
        with open(folder / name, "wb") as stream:
            stream.truncate(size)

    return setup


def config(name: str, old: str, new: str) -> Setup:
    """A copy of the swarm's config with one piece of text replaced."""

    def setup(folder: Path) -> None:
        text = (folder / "swarmbus.toml").read_text(encoding="utf-8")
        assert old in text
        (folder / name).write_text(text.replace(old, new, 1), encoding="utf-8")

    return setup


def link(name: str, target: str, hard: bool = False) -> Setup:
    def setup(folder: Path) -> None:
        (os.link if hard else os.symlink)(folder / target, folder / name)

    return setup


def folder_only(name: str) -> Setup:
    def setup(folder: Path) -> None:
        (folder / name).mkdir()

    return setup


NO_ASYNCPG = "raise ModuleNotFoundError(\"No module named 'asyncpg'\", name='asyncpg')\n"
SHARED_INBOXES = '[[agents]]\nname = "Agent-1"\ninbox = "same"\n' + (
    '[[agents]]\nname = "Agent-2"\ninbox = "other/../same/"\n'
)
MISSING = ("--db", "nothere.db")
ID = "01M8ZZZZZZZZZZZZZZZZZZZZZZ"
MEMORY = ("-v", str(MEMORY_CAP_KIB))

CASES = [
    # click's usage errors: one line, exit 2
    Case("unknown option", ("send", "Agent-2", "hi", "--bogus"), "no such option: --bogus"),
    Case("unknown command", ("sned", "Agent-2", "hi"), "no such command 'sned'"),
    Case("limit zero", ("messages", "--limit", "0"), "'--limit': 0 is not in the range"),
    Case("limit text", ("messages", "--limit", "many"), "'--limit': 'many' is not a valid"),
    Case("limit huge", ("messages", "--limit", "9" * 30), "is not in the range 1<=x<=10000"),
    Case("missing argument", ("show",), "missing argument"),
    Case("fail-under range", ("audit", "summary", "--fail-under", "101"), "0<=x<=100"),
    Case("fail-under nan", ("audit", "summary", "--fail-under", "nan"), "--fail-under nan"),
    Case("dispatcher name", ("run", "--once", "--name", "x" * 100), "--name"),
    # durations and dates out of range
    Case("since huge", ("messages", "--since", "99999999999999w"), "from 1ms to 3650d"),
    Case("since long ago", ("messages", "--since", "0001-01-01T00:00:00+01:00"), "1970-01-01"),
    Case("since far ahead", ("messages", "--since", "9999-12-31T23:59:59-01:00"), "9999-01-01"),
    Case("expiry huge", ("send", "Agent-2", "hi", "--expires-in", "9" * 20 + "d"), "to 365d"),
    Case("expiry over a year", ("send", "Agent-2", "hi", "--expires-in", "366d"), "to 365d"),
    Case("broadcast expiry", ("broadcast", "hi", "--expires-in", "9" * 400), "to 365d"),
    Case("prune huge", ("db", "prune", "--older-than", "9999999999999d"), "to 3650d"),
    Case("prune zero", ("db", "prune", "--older-than", "0s"), "from 1ms"),
    Case("give up huge", ("run", "--once", "--give-up-after", "99999w"), "--give-up-after"),
    Case(
        "config duration",
        ("--config", "huge.toml", "status"),
        "bus.lease_seconds",
        setup=config("huge.toml", "lease_seconds = 30 ", "lease_seconds = 1e300 "),
    ),
    Case(
        "config infinity",
        ("--config", "inf.toml", "status"),
        "monitoring.interval_seconds",
        setup=config("inf.toml", "[bus]", "[monitoring]\ninterval_seconds = inf\n[bus]"),
    ),
    Case(
        "config pixel",
        ("--config", "far.toml", "status"),
        "agents[1] (A).x = 1000000001: Input should be less than or equal to 1000000",
        setup=write(
            "far.toml", '[[agents]]\nname = "A"\ntransport = "gui"\nx = 1000000001\ny = 0\n'
        ),
    ),
    # unbounded reads: at most the limit plus one byte is read
    Case("endless config", ("--config", "/dev/zero", "status"), "larger than", ulimit=MEMORY),
    Case(
        "huge config",
        ("--config", "huge.toml", "status"),
        "larger than",
        setup=sparse("huge.toml", 4096 * MIB),
        ulimit=MEMORY,
    ),
    Case("endless --file", ("send", "Agent-2", "--file", "/dev/zero"), "limit", ulimit=MEMORY),
    Case(
        "huge --file",
        ("send", "Agent-2", "--file", "huge.txt"),
        "the limit is 65,536 bytes",
        setup=sparse("huge.txt", 4096 * MIB),
        ulimit=MEMORY,
    ),
    Case("endless stdin", ("send", "Agent-2", "-"), "limit", stdin="endless", ulimit=MEMORY),
    Case(
        "huge stdin",
        ("broadcast", "-"),
        "the limit is 65,536 bytes",
        setup=sparse("huge.txt", 2048 * MIB),
        stdin="huge.txt",
        ulimit=MEMORY,
    ),
    Case(
        "endless coordinates",
        ("agents", "import-coordinates", "/dev/zero"),
        "larger than",
        ulimit=MEMORY,
    ),
    # read commands on a mistyped database path create nothing
    *(
        Case(f"missing db: {' '.join(args)}", (*MISSING, *args), "no swarmbus database at")
        for args in [
            ("messages",),
            ("status",),
            ("show", ID),
            ("retry", ID),
            ("inbox", "Agent-2"),
            ("agents", "list"),
            ("audit", "summary"),
            ("doctor", "--history"),
            ("db", "status"),
            ("db", "check"),
            ("db", "vacuum"),
            ("db", "prune", "--older-than", "30d"),
            ("db", "backup", "copy.db"),
        ]
    ),
    Case(
        "empty db file",
        ("--db", "empty.db", "messages"),
        "no swarmbus database at",
        setup=write("empty.db", ""),
    ),
    # PostgreSQL URLs
    Case("pg port text", ("--db", "postgresql://me@db:notaport/x", "status"), "notaport"),
    Case("pg port range", ("--db", "postgresql://me@db:99999/x", "send", "Agent-2", "x"), "1 to"),
    Case(
        "pg password",
        ("--db", "postgres://me:s3cret@db:bad/x", "messages"),
        "postgres://me@db:bad/x",
        hidden="s3cret",
    ),
    Case(
        "pg without asyncpg",
        ("--db", "postgresql://me@127.0.0.1:1/x", "status"),
        "pip install 'swarmbus[postgres]'",
        setup=write("shadow/asyncpg.py", NO_ASYNCPG),
        env={"PYTHONPATH": "{folder}/shadow"},
    ),
    # a full disk
    Case(
        "init on a full disk",
        ("init", "fresh", "--transport", "inbox"),
        "fresh/swarmbus.db",
        exit_code=1,
        setup=folder_only("fresh"),
        ulimit=("-f", "16"),
    ),
    # identity and configuration
    Case("key, other recipient", ("send", "Agent-3", "first", "--key", "k1"), "'k1'"),
    Case("key, other body", ("send", "Agent-2", "second", "--key", "k1"), "'k1'"),
    Case(
        "unknown $SWARMBUS_AGENT",
        ("send", "Agent-2", "hi"),
        "SWARMBUS_AGENT",
        env={"SWARMBUS_AGENT": "Agent-99"},
    ),
    Case("unknown --from", ("send", "Agent-2", "hi", "--from", "agent-2"), "Agent-1, Agent-2"),
    Case("broadcast --from", ("broadcast", "hi", "--from", "Nobody"), "'Nobody'"),
    Case(
        "shared inbox",
        ("--config", "shared.toml", "status"),
        "Agent-1 and Agent-2",
        setup=write("shared.toml", SHARED_INBOXES),
    ),
    Case("restore itself", ("db", "restore", "swarmbus.db"), "the database itself"),
    Case(
        "restore a symlink",
        ("db", "restore", "alias.db"),
        "the database itself",
        setup=link("alias.db", "swarmbus.db"),
    ),
    Case(
        "restore a hard link",
        ("db", "restore", "hard.db"),
        "the database itself",
        setup=link("hard.db", "swarmbus.db", hard=True),
    ),
    Case("backup onto the log", ("db", "backup", "swarmbus.db-wal"), "swarmbus.db-wal"),
    # audits
    Case("audit empty folder", ("audit", "empty"), "nothing to audit", setup=folder_only("empty")),
    Case(
        "audit without python",
        ("audit", "docs"),
        "no Python file",
        setup=write("docs/README.md", "# notes\n"),
    ),
    Case("audit fail-under", ("audit", "summary", "--fail-under", "99.5"), "under", exit_code=1),
    # conversations: "{first}" is the prepared message to Agent-2, "{expired}" one that expired
    # undelivered, "{pruned}" one whose thread `db prune` took
    Case("reply to an unknown id", ("reply", ID, "hi"), f"no message has id '{ID}'"),
    Case("reply to a pruned id", ("reply", "{pruned}", "hi"), "(never sent, or pruned)"),
    Case("reply to expired", ("reply", "{expired}", "hi"), "expired before it was delivered"),
    Case(
        "reply from outside", ("reply", "{first}", "hi", "--from", "Agent-3"), "Agent-3 is not in"
    ),
    Case(
        "reply to an outsider",
        ("reply", "{first}", "hi", "--from", "Agent-2", "--to", "Agent-5"),
        "'Agent-5' is not in thread",
    ),
    Case("reply empty", ("reply", "{first}", " ", "--from", "Agent-2"), "message is empty"),
    Case("ack by another agent", ("ack", "{first}", "--as", "Agent-3"), "not 'Agent-3'"),
    Case("ack by nobody named", ("ack", "{first}"), "only its recipient may acknowledge it"),
    Case("ack unknown id", ("ack", ID, "--as", "Agent-2"), f"no message has id '{ID}'"),
    Case(
        "ack note too long",
        ("ack", "{first}", "--as", "Agent-2", "--note", "n" * 1001),
        "a note is at most 1,000 characters",
    ),
    Case("ack-within zero", ("send", "Agent-2", "hi", "--ack-within", "0"), "'0' is not allowed"),
    Case("ack-within negative", ("send", "Agent-2", "hi", "--ack-within", "-5m"), "'-5m'"),
    Case("ack-within text", ("send", "Agent-2", "hi", "--ack-within", "soon"), "'soon'"),
    Case("ack-within a year", ("broadcast", "hi", "--ack-within", "365d"), "from 1s to 30d"),
    Case("subject too long", ("send", "Agent-2", "hi", "--subject", "s" * 201), "201 characters"),
    Case("subject two lines", ("send", "Agent-2", "hi", "--subject", "a\nb"), "one line"),
    Case("empty search", ("search", ""), "search query is empty"),
    Case("10 KB search", ("search", "q" * 10_240), "10,240 characters; at most 500"),
    Case("search status", ("search", "x", "--status", "lost"), "status 'lost' is not allowed"),
    Case("search thread", ("search", "xyz", "--thread", "nope"), "thread 'nope' is not a message"),
    Case("search limit", ("search", "xyz", "--limit", "101"), "1<=x<=100"),
    Case("read a typo", ("read", "agent-2"), "'agent-2' is not a configured agent"),
    Case("thread unknown id", ("thread", ID), f"no message has id '{ID}'"),
    *(
        Case(f"missing db: {' '.join(args)}", (*MISSING, *args), "no swarmbus database at")
        for args in [
            ("reply", ID, "hi"),
            ("thread", ID),
            ("read", "Agent-2"),
            ("ack", ID, "--as", "Agent-2"),
            ("search", "anything"),
        ]
    ),
    # file reservations (`--project .`: the case's folder is no git repository)
    *(
        Case(f"reserve: {name}", ("reserve", *args, "--as", "Agent-1", "--project", "."), expected)
        for name, args, expected in [
            ("absolute path", ("/etc/passwd",), "pattern '/etc/passwd' is absolute"),
            ("dot dot", ("src/../../x.py",), "pattern 'src/../../x.py' contains '..'"),
            ("empty pattern", ("",), "pattern '' is empty"),
            ("whole repository", ("**",), "pattern '**' covers the whole repository"),
            ("ttl too short", ("a.py", "--ttl", "59s"), "--ttl '59s' is not allowed"),
            ("ttl too long", ("a.py", "--ttl", "25h"), "from 1m to 1d"),
            ("ttl garbage", ("a.py", "--ttl", "soon"), "--ttl 'soon' is not allowed"),
            ("two-line reason", ("a.py", "--reason", "a\nb"), "no control characters"),
        ]
    ),
    Case(
        "reserve: unknown agent",
        ("reserve", "a.py", "--as", "Agent-99", "--project", "."),
        "--as 'Agent-99' is not a configured agent",
    ),
    Case(
        "reserve: no such project",
        ("reserve", "a.py", "--as", "Agent-1", "--project", "nope"),
        "--project 'nope' is not a folder",
    ),
    Case(
        "release what is not held",
        ("release", "src/wide.py", "--as", "Agent-1", "--project", "."),
        "Agent-1 holds no live reservation of 'src/wide.py'",
    ),
    Case(
        "force-release an unknown id",
        ("force-release", "0" * 26, "--reason", "gone"),
        f"no reservation has id '{'0' * 26}'",
    ),
    Case("force-release no reason", ("force-release", "0" * 26, "--reason", " "), "--reason"),
    Case(
        "reservations absolute path",
        ("reservations", "--path", "/etc", "--project", "."),
        "pattern '/etc' is absolute",
    ),
    Case("reserve outside git", ("reserve", "a.py", "--as", "Agent-1"), "not inside a git"),
    Case("guard outside git", ("guard", "install"), "is not inside a git repository"),
    Case("guard mode", ("guard", "install", "--mode", "sometimes"), "--mode 'sometimes'"),
    Case("guard uninstall outside git", ("guard", "uninstall"), "not inside a git repository"),
]


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` -> the sha256 of its bytes ('' for folders)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink() or path.is_dir():
            found[key] = "" if path.is_dir() else f"-> {os.readlink(path)}"
        elif path.stat().st_size > 64 * MIB:  # a sparse test file: its size stands for it
            found[key] = f"{path.stat().st_size} bytes"
        else:
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@dataclass
class Outcome:
    returncode: int
    stderr: str
    before: dict[str, str]
    after: dict[str, str]


def run_case(case: Case, template: Path, root: Path, known: dict[str, str]) -> Outcome:
    folder = root / f"case{CASES.index(case)}"
    shutil.copytree(template, folder, symlinks=True)
    if case.setup is not None:
        case.setup(folder)
    before = snapshot(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMBUS_")}
    env.update({k: v.replace("{folder}", str(folder)) for k, v in case.env.items()})
    args = [known.get(arg.strip("{}"), arg) if arg.startswith("{") else arg for arg in case.args]
    command = [sys.executable, "-m", "swarmbus", *args]
    if case.ulimit:
        command = ["bash", "-c", f'ulimit {" ".join(case.ulimit)} && exec "$@"', "-", *command]
    stdin, feeder = _stdin(case, folder)
    try:
        done = subprocess.run(
            command, cwd=folder, env=env, stdin=stdin, capture_output=True, text=True, timeout=60
        )
    finally:
        if feeder is not None:
            feeder.kill()
            feeder.wait()
        if stdin not in (None, subprocess.DEVNULL):
            stdin.close()  # type: ignore[union-attr]
    return Outcome(done.returncode, done.stderr, before, snapshot(folder))


def _stdin(case: Case, folder: Path) -> tuple[object, subprocess.Popen[bytes] | None]:
    if case.stdin == "endless":
        feeder = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
        return feeder.stdout, feeder
    if case.stdin is not None:
        return open(folder / case.stdin, "rb"), None  # closed after the run
    return subprocess.DEVNULL, None


def prepare(folder: Path) -> dict[str, str]:
    """The swarm every case starts from: one keyed message, one audit run under 100, a
    message whose thread was pruned and one that expired; returns their ids by name."""

    def swarmbus(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "swarmbus", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    swarmbus("init", "--transport", "inbox")
    first = swarmbus("send", "Agent-2", "first", "--key", "k1").strip()
    pruned = swarmbus("send", "Agent-4", "old news").strip()
    swarmbus("run", "--once")
    swarmbus("read", "--as", "Agent-4")
    swarmbus("db", "prune", "--older-than", "1ms")
    expired = swarmbus("send", "Agent-3", "too late", "--expires-in", "1ms").strip()
    swarmbus("run", "--once")
    source = "def wide(a, b, c, d, e, f, g):\n    return a\n"
    write("src/wide.py", source)(folder)
    swarmbus("audit", "src")
    return {"first": first, "pruned": pruned, "expired": expired}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    template = tmp_path_factory.mktemp("template")
    known = prepare(template)
    root = tmp_path_factory.mktemp("cases")
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {case.name: pool.submit(run_case, case, template, root, known) for case in CASES}
        return {name: future.result() for name, future in futures.items()}


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_one_line_non_zero_exit_nothing_changed(case: Case, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[case.name]
    assert "Traceback" not in outcome.stderr, outcome.stderr
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert case.expected in lines[0]
    assert outcome.returncode == case.exit_code, lines[0]
    if case.hidden is not None:
        assert case.hidden not in outcome.stderr
    assert outcome.after == outcome.before
