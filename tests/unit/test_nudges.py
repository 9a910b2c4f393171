"""Nudge delivery's config and notice text."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmbus import errors
from swarmbus.agents import config as swarm_config
from swarmbus.agents.config import AgentConfig
from swarmbus.model import render, timefmt
from swarmbus.model.messages import Message


def _message(body: str, sender: str = "Agent-1", subject: str | None = None, n: int = 0) -> Message:
    now = timefmt.utcnow()
    return Message(
        message_id=f"01M8H0AZPXSPYBJF2X4Y0PSN{n:02d}",
        from_agent=sender,
        to_agent="Agent-2",
        priority="normal",
        content=body,
        subject=subject,
        sent_at=now,
        status="pending",
        delivery_status="claimed",
        available_at=now,
        created_at=now,
    )


def test_nudge_over_chars_pastes_short_bodies_whole() -> None:
    agent = AgentConfig(name="A", transport="gui", x=1, y=1, delivery="nudge", nudge_over_chars=10)
    assert not agent.nudges("short")
    assert not agent.nudges("x" * 10)
    assert agent.nudges("x" * 11)
    always = AgentConfig(name="A", transport="gui", x=1, y=1, delivery="nudge")
    assert always.nudges("hi")
    assert not AgentConfig(name="A", transport="gui", x=1, y=1).nudges("x" * 10_000)


def test_one_notice_names_sender_subject_id_and_how_to_read() -> None:
    text = render.nudge_text([_message("the body\nline two", subject="deploy plan")])
    assert text == (
        '[swarmbus] new message from Agent-1: "deploy plan" · id 01M8H0AZPXSPYBJF2X4Y0PSN00'
        " · read it with fetch_inbox"
    )
    first_words = render.nudge_text([_message("please\n\tlook at\x1b[31m the " + "x" * 100)])
    assert '"please look at[31m the xxxxxxx' in first_words
    assert "\n" not in first_words
    assert "\x1b" not in first_words


def test_several_messages_collapse_into_one_notice() -> None:
    messages = [_message("a", "Agent-1", n=1), _message("b", "Agent-5", n=2)]
    messages.append(_message("c", "Agent-1", n=3))
    text = render.nudge_text(messages)
    assert text.startswith("[swarmbus] 3 new messages from Agent-1, Agent-5 · ids ")
    assert all(m.message_id in text for m in messages)
    assert text.endswith("read them with fetch_inbox")
    many = render.nudge_text([_message("x", n=i) for i in range(8)])
    assert "and 3 more" in many


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('transport = "gui"\nx = 1\ny = 1\ndelivery = "shout"', "delivery = 'shout'"),
        ('transport = "inbox"\ndelivery = "nudge"', 'needs transport = "gui"'),
        ('transport = "gui"\nx = 1\ny = 1\nnudge_over_chars = 100', 'needs delivery = "nudge"'),
        (
            'transport = "gui"\nx = 1\ny = 1\ndelivery = "nudge"\nnudge_over_chars = 0',
            "nudge_over_chars = 0",
        ),
        (
            'transport = "gui"\nx = 1\ny = 1\ndelivery = "nudge"\nnudge_over_chars = "2k"',
            "nudge_over_chars = '2k'",
        ),
    ],
)
def test_bad_nudge_settings_are_one_line(tmp_path: Path, table: str, expected: str) -> None:
    path = tmp_path / "swarmbus.toml"
    path.write_text(f'[[agents]]\nname = "Agent-1"\n{table}\n', encoding="utf-8")
    with pytest.raises(errors.ConfigError) as refused:
        swarm_config.load(path, {})
    line = str(refused.value)
    assert "\n" not in line
    assert expected in line
    assert "agents[1] (Agent-1)" in line
