"""What any sender writes never drives the operator's terminal.

Tables show control characters as escapes; `show` and `inbox ID` print the
exact body into a pipe, escaped on a terminal unless `--raw` asks for it.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.acceptance.test_cli import swarmbus

HOSTILE = "title\x1b]0;pwned\x07 clear\x1b[2J red\x1b[31m cr\rover csi\x9b1m rtl\u202eevil\nline 2"
RAW_SEQUENCES = ["\x1b]0;pwned\x07", "\x1b[2J", "\x1b[31m", "\r", "\x9b", "\u202e"]


@pytest.fixture
def hostile_swarm(tmp_path: Path) -> tuple[Path, str]:
    assert swarmbus("init", str(tmp_path), "--transport", "inbox").exit_code == 0
    sent = swarmbus("send", "Agent-2", HOSTILE, cwd=tmp_path)
    assert sent.exit_code == 0, sent.output
    return tmp_path, sent.stdout.strip()


def assert_inert(text: str) -> None:
    for sequence in RAW_SEQUENCES:
        assert sequence not in text, f"{sequence!r} reached the output"


def test_tables_show_control_characters_as_escapes(hostile_swarm: tuple[Path, str]) -> None:
    folder, _ = hostile_swarm
    listed = swarmbus("messages", cwd=folder)
    assert listed.exit_code == 0, listed.output
    assert_inert(listed.stdout)
    assert "\\x1b]0;pwned\\x07" in listed.stdout
    assert swarmbus("run", "--once", cwd=folder).exit_code == 0
    inbox = swarmbus("inbox", "Agent-2", cwd=folder)
    assert inbox.exit_code == 0, inbox.output
    assert_inert(inbox.stdout)
    assert "\\x1b]0;pwned" in inbox.stdout


def test_a_focus_line_is_shown_escaped_in_status(hostile_swarm: tuple[Path, str]) -> None:
    folder, _ = hostile_swarm
    focus = "x\x1b[2Jy"
    assert swarmbus("agents", "report", "Agent-2", "-s", "busy", "--focus", focus, cwd=folder)
    status = swarmbus("status", cwd=folder)
    assert status.exit_code == 0, status.output
    assert "\x1b[2J" not in status.stdout
    assert "x\\x1b[2Jy" in status.stdout


def test_show_into_a_pipe_prints_the_exact_body(hostile_swarm: tuple[Path, str]) -> None:
    folder, message_id = hostile_swarm
    shown = swarmbus("show", message_id, cwd=folder)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.endswith("\n" + HOSTILE + "\n")


def on_a_terminal(folder: Path, *args: str) -> str:
    """Run `swarmbus ARGS` with its stdout on a pseudo-terminal; return what it printed."""
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "swarmbus", *args],
        cwd=folder,
        stdout=follower,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the process closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
    os.close(leader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")  # the terminal adds the \r


@pytest.mark.parametrize("command", ["show", "inbox"])
def test_on_a_terminal_the_body_is_escaped_unless_raw(
    hostile_swarm: tuple[Path, str], command: str
) -> None:
    folder, message_id = hostile_swarm
    args = ["show", message_id] if command == "show" else ["inbox", "Agent-2", message_id]
    if command == "inbox":
        assert swarmbus("run", "--once", cwd=folder).exit_code == 0
    escaped = on_a_terminal(folder, *args)
    assert_inert(escaped)
    assert "title\\x1b]0;pwned\\x07 clear" in escaped
    raw = on_a_terminal(folder, *args, "--raw")
    assert "\x1b]0;pwned\x07" in raw


def test_json_output_escapes_what_json_leaves_raw(hostile_swarm: tuple[Path, str]) -> None:
    folder, message_id = hostile_swarm
    shown = swarmbus("show", message_id, "--json", cwd=folder)
    assert shown.exit_code == 0, shown.output
    assert_inert(shown.stdout)
    assert "\\u009b1m" in shown.stdout
    assert json.loads(shown.stdout)["content"] == HOSTILE  # the same value, decoded
