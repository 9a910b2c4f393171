"""The console script builds only the commands named on its command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from swarmbus import cli


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["send", "Agent-2", "hello"], {"send"}),
        (["--db", "send", "messages"], {"send", "messages"}),  # an option's value may look like one
        (["send", "Agent-2", "status"], {"send", "status"}),
        (["db", "status"], {"db", "status"}),
        (["send", "Agent-2", "x", "--help"], None),
        (["-h"], None),
        ([], None),
        (["sned", "Agent-2", "x"], None),  # a typo gets the whole app, to list the real commands
    ],
)
def test_needed_names_every_command_that_may_run(
    args: list[str], expected: set[str] | None
) -> None:
    assert cli.needed(args) == expected


def test_whole_app_has_every_command_of_the_table() -> None:
    import typer.main

    group = typer.main.get_command(cli.app)
    assert list(group.commands) == [*cli.COMMANDS, *cli.GROUPS]  # type: ignore[attr-defined]
    for name, (_, commands) in cli.GROUPS.items():
        assert list(group.commands[name].commands) == list(commands)  # type: ignore[attr-defined]


SEND_AND_LIST_CLI_MODULES = """
import sys
from swarmbus import cli
assert cli.execute(["send", "Agent-2", "hello"]) == 0
loaded = (m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("swarmbus.cli."))
print(sorted(loaded))
"""


def test_send_imports_no_other_command_module(tmp_path: Path) -> None:
    def python(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )

    assert python("-m", "swarmbus", "init", "--transport", "inbox").returncode == 0
    result = python("-c", SEND_AND_LIST_CLI_MODULES)
    assert result.returncode == 0, result.stderr
    message_id, modules = result.stdout.splitlines()
    assert len(message_id) == 26  # a ULID: the message was stored
    assert modules == "['common', 'messaging', 'params']"


def exit_in_subprocess(body: str) -> subprocess.CompletedProcess[str]:
    code = f"import sys, threading, time\nfrom swarmbus.cli.common import exit_now\n{body}"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_exit_now_flushes_buffered_output_and_keeps_the_status() -> None:
    done = exit_in_subprocess("sys.stdout.write('x' * 1_000_000)\nexit_now(3)")
    assert done.returncode == 3
    assert len(done.stdout) == 1_000_000


def test_exit_now_prints_a_message_status_and_exits_1() -> None:
    done = exit_in_subprocess("exit_now('error: no such agent')")
    assert (done.returncode, done.stderr) == (1, "error: no such agent\n")


def test_exit_now_waits_for_other_threads_like_a_normal_exit() -> None:
    body = (
        "threading.Thread(target=lambda: (time.sleep(0.2), print('thread done'))).start()\n"
        "exit_now(None)"
    )
    done = exit_in_subprocess(body)
    assert (done.returncode, done.stdout) == (0, "thread done\n")


def test_an_unexpected_error_in_a_command_surfaces_as_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not as an AttributeError from the error handling around it (typer's own click copy
    has no `Abort`, and naming it there once hid every unexpected error)."""
    from swarmbus import cli
    from swarmbus.cli import setup

    def broken() -> None:
        raise RuntimeError("a bug in a command")

    monkeypatch.setattr(setup, "agents_list", broken)
    with pytest.raises(RuntimeError, match="a bug in a command"):
        cli.execute(["agents", "list"])


SDK_LOADED = """
import sys
from swarmbus import cli
cli.execute({args!r})
print(sorted(m for m in ("mcp", "starlette", "uvicorn") if m in sys.modules))
"""


@pytest.mark.parametrize("args", [["send", "Agent-2", "hello"], ["--help"], ["mcp", "--help"]])
def test_only_serving_mcp_imports_the_sdk(tmp_path: Path, args: list[str]) -> None:
    """The MCP SDK costs ~1 s to import: no command pays for it before it serves."""
    init = [sys.executable, "-m", "swarmbus", "init", "--transport", "inbox"]
    assert subprocess.run(init, cwd=tmp_path, capture_output=True, timeout=60).returncode == 0
    code = SDK_LOADED.format(args=args)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.splitlines()[-1] == "[]", result.stderr
