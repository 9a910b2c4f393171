"""The `swarmbus` command: output, exit codes, and one-line errors that store nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from swarmbus.cli import app
from swarmbus.storage import migrations

REPO = Path(__file__).parents[2]
LATEST = migrations.latest_version("sqlite")
runner = CliRunner()


def swarmbus(*args: str, cwd: Path | None = None, input: str | None = None):
    return (
        runner.invoke(app, list(args), input=input, catch_exceptions=False, env={"COLUMNS": "200"})
        if cwd is None
        else _in(cwd, args, input)
    )


def _in(cwd: Path, args: tuple[str, ...], input: str | None):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def swarm_dir(tmp_path: Path) -> Path:
    result = swarmbus("init", str(tmp_path), "--transport", "inbox")
    assert result.exit_code == 0, result.output
    return tmp_path


def run_json(swarm_dir: Path, *args: str):
    result = swarmbus(*args, "--json", cwd=swarm_dir)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_init_writes_config_and_database(swarm_dir: Path) -> None:
    assert (swarm_dir / "swarmbus.toml").exists()
    assert (swarm_dir / "swarmbus.db").exists()
    again = swarmbus("init", str(swarm_dir))
    assert again.exit_code == 2
    assert "already exists; pass --force" in again.stderr


def test_agents_list_and_db_status(swarm_dir: Path) -> None:
    agents = run_json(swarm_dir, "agents", "list")
    assert [a["agent_id"] for a in agents] == [f"Agent-{n}" for n in range(1, 9)]
    assert agents[0]["transport"] == "inbox"
    assert agents[0]["inbox"].endswith("inboxes/Agent-1")
    status = run_json(swarm_dir, "db", "status")
    assert status["schema_version"] == status["latest_version"] == LATEST
    assert status["journal_mode"] == "wal"
    assert status["row_counts"]["agent_workspaces"] == 8
    table = swarmbus("db", "status", cwd=swarm_dir)
    assert f"schema version {LATEST}" in table.stdout
    assert "agent_messages" in table.stdout


def test_send_run_and_read_back(swarm_dir: Path) -> None:
    body = "multi-line\n\n  indented ✓ 🚀\n"
    sent = swarmbus(
        "send",
        "Agent-2",
        "-",
        "--from",
        "Agent-1",
        "--tag",
        "review",
        "--priority",
        "high",
        cwd=swarm_dir,
        input=body,
    )
    assert sent.exit_code == 0, sent.output
    message_id = sent.stdout.strip()
    summary = run_json(swarm_dir, "run", "--once")
    assert summary["delivered"] == 1
    shown = run_json(swarm_dir, "show", message_id)
    assert shown["delivery_status"] == "delivered"
    assert shown["content"] == body
    assert shown["tags"] == ["review"]
    read = swarmbus("inbox", "Agent-2", message_id, cwd=swarm_dir)
    assert read.stdout == body
    listed = run_json(swarm_dir, "messages", "--agent", "Agent-2", "--since", "1h")
    assert [m["message_id"] for m in listed] == [message_id]
    status = run_json(swarm_dir, "status")
    assert status["totals"]["delivered"] == 1
    assert "messaging" in {s["system_name"] for s in status["systems"]}


def test_broadcast_and_retry(swarm_dir: Path) -> None:
    result = run_json(
        swarm_dir, "broadcast", "all hands", "--from", "Agent-1", "--to", "Agent-2,Agent-3"
    )
    assert set(result["messages"]) == {"Agent-2", "Agent-3"}
    message_id = result["messages"]["Agent-2"]
    retry = swarmbus("retry", message_id, cwd=swarm_dir)
    assert retry.exit_code == 2
    assert "is pending; only failed messages (dead letters) can be retried" in retry.stderr
    assert run_json(swarm_dir, "retry", "--all-failed") == {"requeued": []}


BAD_INPUTS = [
    (["send", "Agent-9", "hi"], "unknown agent 'Agent-9'"),
    (["send", "Agent-2", ""], "message is empty"),
    (["send", "Agent-2", "hi", "--priority", "asap"], "priority 'asap' is not allowed"),
    (["send", "Agent-2", "x" * 70_000], "the limit is 65,536 bytes"),
    (["send", "Agent-2"], "give the message as an argument, '-' for stdin, or --file PATH"),
    (["send", "Agent-2", "--file", "missing.txt"], "--file missing.txt: no such file"),
    (["send", "Agent-2", "hi", "--expires-in", "soon"], "--expires-in 'soon' is not allowed"),
    (["broadcast", "hi", "--to", "Agent-2,Nobody"], "unknown agent 'Nobody'"),
    (["show", "01M8ZZZZZZZZZZZZZZZZZZZZZZ"], "no message has id"),
    (["retry", "nope"], "no message has id 'nope'"),
    (["retry"], "give one message id, or --all-failed"),
    (["messages", "--status", "lost"], "status 'lost' is not allowed"),
    (["messages", "--since", "yesterday"], "--since 'yesterday' is not allowed"),
    (["inbox", "Agent-2", "01M8ZZZZZZZZZZZZZZZZZZZZZZ"], "no message '01M8ZZZZZZZZZZZZZZZZZZZZZZ'"),
    (["--db", "/nonexistent/dir/x.db", "status"], "no swarmbus database at /nonexistent/dir/x.db"),
    (["--db", "/no/dir/x.db", "send", "Agent-2", "hi"], "directory /no/dir does not exist"),
]


@pytest.mark.parametrize(
    ("args", "expected"), BAD_INPUTS, ids=[" ".join(a)[:40] for a, _ in BAD_INPUTS]
)
def test_bad_input_is_one_line_exit_2_and_stores_nothing(
    swarm_dir: Path, args: list[str], expected: str
) -> None:
    result = swarmbus(*args, cwd=swarm_dir)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.output
    status = run_json(swarm_dir, "db", "status")
    assert status["row_counts"]["agent_messages"] == 0


def test_config_errors_exit_2(tmp_path: Path) -> None:
    (tmp_path / "swarmbus.toml").write_text('[[agents]]\nname = "A"\ntransport = "gui"\n')
    result = swarmbus("agents", "list", cwd=tmp_path)
    assert result.exit_code == 2
    assert "a gui agent needs its chat-input point" in result.stderr
    missing = swarmbus("--config", str(tmp_path / "nope.toml"), "status")
    assert missing.exit_code == 2
    assert "config file not found" in missing.stderr
    assert not (tmp_path / "swarmbus.db").exists()


def test_help_works_without_a_display() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    for args in (["--help"], ["send", "--help"], ["--version"]):
        result = subprocess.run(
            [sys.executable, "-m", "swarmbus", *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "from swarmbus.cli import app; import swarmbus.bus.api, sys; "
            "heavy = ('pyautogui', 'discord', 'pyperclip', 'Xlib'); "
            "print(sorted(m for m in heavy if m in sys.modules))",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert heavy.stdout.strip() == "[]"


def test_tables_show_square_brackets_as_they_are(swarm_dir: Path) -> None:
    body = "[/bold] no [red]markup"
    assert swarmbus("send", "Agent-2", body, cwd=swarm_dir).exit_code == 0
    listed = swarmbus("messages", cwd=swarm_dir)
    assert listed.exit_code == 0, listed.output
    assert body in listed.stdout
    assert swarmbus("run", "--once", cwd=swarm_dir).exit_code == 0
    inbox = swarmbus("inbox", "Agent-2", cwd=swarm_dir)
    assert inbox.exit_code == 0, inbox.output
    assert body in inbox.stdout


@pytest.mark.parametrize("sender", ["Agent-1", "person", "swarmbus", "discord:alice", "ci@build-3"])
def test_known_senders_may_send(swarm_dir: Path, sender: str) -> None:
    sent = swarmbus("send", "Agent-2", "hi", "--from", sender, cwd=swarm_dir)
    assert sent.exit_code == 0, sent.output
    assert run_json(swarm_dir, "show", sent.stdout.strip())["from_agent"] == sender


def test_an_unknown_sender_is_refused_naming_where_it_came_from(swarm_dir: Path) -> None:
    old = Path.cwd()
    os.chdir(swarm_dir)
    try:
        from_env = runner.invoke(app, ["send", "Agent-2", "hi"], env={"SWARMBUS_AGENT": "Agent-99"})
    finally:
        os.chdir(old)
    assert from_env.exit_code == 2
    assert "$SWARMBUS_AGENT 'Agent-99' is not a configured agent" in from_env.stderr
    assert "Agent-1, Agent-2, Agent-3" in from_env.stderr
    typo = swarmbus("broadcast", "hi", "--from", "agent-1", cwd=swarm_dir)
    assert typo.exit_code == 2
    assert "--from 'agent-1' is not a configured agent" in typo.stderr
    assert run_json(swarm_dir, "db", "status")["row_counts"]["agent_messages"] == 0


def test_init_on_a_full_disk_is_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from swarmbus import fsutil

    def full(path: Path, data: object, **_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(fsutil, "atomic_write", full)  # the database fits, the config does not
    result = swarmbus("init", str(tmp_path), "--transport", "inbox")
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path}/swarmbus.toml: No space left on device\n"
    assert os.listdir(tmp_path) == []
