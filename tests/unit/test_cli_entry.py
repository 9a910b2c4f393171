"""The console script builds only the commands named on its command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from swarmbus.bus import cli


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
from swarmbus.bus import cli
sys.argv = ["swarmbus", "send", "Agent-2", "hello"]
try:
    cli.main()
finally:
    loaded = (m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("swarmbus.bus.cli."))
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
