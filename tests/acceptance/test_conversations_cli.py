"""The conversation commands: reply, thread, read, ack, search, and the states in messages/show.

Driven through the real command table (typer's runner) on an inbox swarm;
`swarmbus run --once` delivers, so "delivered", "read" and "acked" are the
states a user would see.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.acceptance.test_cli import swarmbus


@pytest.fixture
def swarm_dir(tmp_path: Path) -> Path:
    result = swarmbus("init", str(tmp_path), "--transport", "inbox")
    assert result.exit_code == 0, result.output
    return tmp_path


def ok(swarm_dir: Path, *args: str) -> str:
    result = swarmbus(*args, cwd=swarm_dir)
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(swarm_dir: Path, *args: str) -> object:
    return json.loads(ok(swarm_dir, *args, "--json"))


def test_a_conversation_from_send_to_ack(swarm_dir: Path) -> None:
    first = ok(swarm_dir, "send", "Agent-2", "review storage/claims.py", "--subject", "claims",
               "--ack-within", "30m").strip()  # fmt: skip
    ok(swarm_dir, "run", "--once")
    answer = ok(swarm_dir, "reply", first, "on it", "--from", "Agent-2").strip()
    thread = ok(swarm_dir, "thread", answer)
    assert thread.startswith(f'thread {first} "claims" · Agent-2, person · 2 messages')
    assert "person → Agent-2  [delivered · unread, ack due " in thread
    assert f"Agent-2 → person  [delivered · unread]  ↩ {first}" in thread
    # the recipient reads its inbox: that marks it; the person peeking marks nothing
    assert "none marked read" in ok(swarm_dir, "read", "Agent-2")
    assert "1 marked read" in ok(swarm_dir, "read", "--as", "Agent-2")
    assert "0 marked read" in ok(swarm_dir, "read", "--as", "Agent-2")
    assert "no unread messages for Agent-2" in ok(swarm_dir, "read", "--as", "Agent-2", "--unread")
    acked = ok(swarm_dir, "ack", first, "--as", "Agent-2", "--note", "merged")
    assert acked == f"acknowledged {first} (merged)\n"
    again = ok(swarm_dir, "ack", first, "--as", "Agent-2")
    assert again.startswith(f"message {first} was already acknowledged at ")
    shown = ok(swarm_dir, "show", first)
    assert f"thread       {first}" in shown
    assert "subject      claims" in shown
    assert "ack          acked " in shown
    assert shown.rstrip().endswith("review storage/claims.py")
    listed = ok(swarm_dir, "messages")
    assert "read/ack" in listed
    assert "acked" in listed
    document = json.loads(ok(swarm_dir, "thread", first, "--json"))
    assert [m["ack_note"] for m in document["messages"]] == ["merged", None]


def test_the_inbox_file_places_the_message_in_its_thread_and_printing_it_reads_it(
    swarm_dir: Path,
) -> None:
    first = ok(swarm_dir, "send", "Agent-3", "hello").strip()
    answer = ok(swarm_dir, "reply", first, "hi back", "--from", "person").strip()
    ok(swarm_dir, "run", "--once")
    listed = as_json(swarm_dir, "inbox", "Agent-3")
    assert [(e["id"], e["thread_id"], e.get("reply_to")) for e in listed] == [
        (first, first, None), (answer, first, first),
    ]  # fmt: skip
    assert listed[1]["reply_with"] == f"swarmbus reply {answer} MESSAGE"
    assert ok(swarm_dir, "inbox", "Agent-3", answer) == "hi back"
    assert as_json(swarm_dir, "show", answer)["read_at"] is None  # printed by 'person'
    assert ok(swarm_dir, "inbox", "Agent-3", answer, "--as", "Agent-3") == "hi back"
    assert as_json(swarm_dir, "show", answer)["read_at"] is not None


def test_messages_overdue_lists_late_acks_and_status_counts_them(swarm_dir: Path) -> None:
    late = ok(swarm_dir, "send", "Agent-4", "answer me", "--ack-within", "1m").strip()
    ok(swarm_dir, "send", "Agent-4", "no rush", "--ack-required")
    assert as_json(swarm_dir, "messages", "--overdue") == []
    with sqlite3.connect(swarm_dir / "swarmbus.db") as db:  # the deadline passes
        db.execute("UPDATE agent_messages SET ack_due_at = '2020-01-01T00:00:00.000Z' "
                   "WHERE ack_due_at IS NOT NULL")  # fmt: skip
    overdue = as_json(swarm_dir, "messages", "--overdue", "--agent", "Agent-4")
    assert [m["message_id"] for m in overdue] == [late]
    assert "ACK OVERDUE" in ok(swarm_dir, "messages", "--overdue")
    status = as_json(swarm_dir, "status")
    assert status["overdue_acks"] == 1
    assert next(a for a in status["agents"] if a["name"] == "Agent-4")["overdue_acks"] == 1


def test_search_finds_says_nothing_found_and_takes_syntax_literally(swarm_dir: Path) -> None:
    wanted = ok(swarm_dir, "send", "Agent-5", 'fix "NEAR(a b)" in storage/claims.py').strip()
    ok(swarm_dir, "send", "Agent-6", "unrelated")
    found = ok(swarm_dir, "search", "claims.py")
    assert wanted in found
    assert found.rstrip().endswith(
        "1 message match 'claims.py'; best first among the newest 200 matches"
    )
    for query in ('"NEAR(a b)"', "NEAR(", "a b)", '"', "*", "-x", "' OR 1=1 --"):
        result = swarmbus("search", "--", query, cwd=swarm_dir)  # -- : "-x" is no option
        assert result.exit_code == 0, (query, result.output)
    assert ok(swarm_dir, "search", "nothing like it") == "no messages match 'nothing like it'\n"
    hits = as_json(swarm_dir, "search", "NEAR(a b)", "--agent", "Agent-5")["hits"]
    assert [h["message"]["message_id"] for h in hits] == [wanted]
    assert as_json(swarm_dir, "search", "claims", "--agent", "Agent-6")["hits"] == []
    short = ok(swarm_dir, "search", "b)")
    assert "under 3 characters, looked for in the latest 5,000 messages" in short
