"""The per-agent GUI settings and the text pasted into a chat window."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmbus import errors
from swarmbus.agents import config as swarm_config
from swarmbus.agents.desktop.base import Rect, screen_at, title_matches
from swarmbus.agents.gui_settings import TEMPLATE_FIELDS
from swarmbus.bus.transports.screen_state import screen_key
from swarmbus.model import render, timefmt
from swarmbus.model.messages import Message

GUI = '[[agents]]\nname = "A"\ntransport = "gui"\nx = 10\ny = 20\n'


def _load(tmp_path: Path, extra: str) -> swarm_config.Swarm:
    path = tmp_path / "swarmbus.toml"
    path.write_text(GUI + extra, encoding="utf-8")
    return swarm_config.load(path, {})


def test_defaults_paste_enter_and_keep_drafts(tmp_path: Path) -> None:
    agent = _load(tmp_path, "").agents["A"]
    assert agent.input_method == "paste"
    assert agent.paste_key is None
    assert agent.submit_key == "enter"
    assert agent.clear_before_paste is False
    assert agent.submit_delay == 0.0
    assert agent.message_template is None


def test_settings_are_read(tmp_path: Path) -> None:
    agent = _load(
        tmp_path,
        'input_method = "type"\nsubmit_key = "ctrl+enter"\npaste_key = "ctrl+shift+v"\n'
        "clear_before_paste = true\nsubmit_delay = 0.2\nclipboard_restore_delay = 1\n"
        'message_template = "{sender} ({id}): {body}"\n',
    ).agents["A"]
    assert (agent.input_method, agent.submit_key, agent.paste_key) == (
        "type",
        "ctrl+enter",
        "ctrl+shift+v",
    )
    assert agent.clear_before_paste is True
    assert (agent.submit_delay, agent.clipboard_restore_delay) == (0.2, 1.0)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('submit_key = "ctrl+launch"\n', "A).submit_key = 'ctrl+launch': must be key names joined"),
        ('submit_key = "Enter"\n', "submit_key = 'Enter': must be key names joined by '+'"),
        ('input_method = "morse"\n', "input_method = 'morse': Input should be 'paste' or 'type'"),
        ("submit_delay = -1\n", "submit_delay = -1: Input should be greater than or equal to 0"),
        ("clear_before_paste = 1\n", "clear_before_paste = 1: Input should be a valid boolean"),
        ('message_template = "hi {who} {id} {body}"\n', "unknown field {who}; allowed: {sender}"),
        ('message_template = "no body here {id}"\n', "must contain {body} exactly once"),
        ('message_template = "{sender}: {body}"\n', "must contain {id} (the message id lets"),
        ('message_template = "{body} {"\n', "not a valid template"),
        ('message_template = "{body!r}"\n', "{body}: format specs and conversions are not"),
        ('message_template = "{body:>9}"\n', "{body}: format specs and conversions are not"),
    ],
)
def test_bad_gui_settings_are_one_clear_line(tmp_path: Path, extra: str, expected: str) -> None:
    with pytest.raises(errors.ConfigError) as caught:
        _load(tmp_path, extra)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def _message(body: str, tags: list[str] | None = None) -> Message:
    now = timefmt.utcnow()
    return Message(
        message_id="01M89D8N4X0G0Z1WMBWK43E6TB",
        from_agent="Agent-1",
        to_agent="Agent-2",
        priority="urgent",
        tags=tags,
        content=body,
        sent_at=now,
        status="pending",
        delivery_status="claimed",
        available_at=now,
        created_at=now,
    )


def test_default_header_names_sender_priority_tags_and_id() -> None:
    text = render.gui_text(_message("/deploy {now}\n\n  indented", ["ops", "ci"]))
    header, blank, *body = text.split("\n")
    assert header == (
        "[swarmbus] from Agent-1 · priority urgent · tags ops, ci · id 01M89D8N4X0G0Z1WMBWK43E6TB"
        " · thread 01M89D8N4X0G0Z1WMBWK43E6TB · answer: swarmbus reply 01M89D8N4X0G0Z1WMBWK43E6TB"
    )
    assert blank == ""
    assert "\n".join(body) == "/deploy {now}\n\n  indented"  # braces in the body stay as sent
    assert "tags none" in render.gui_text(_message("x"))


def test_the_header_places_a_reply_in_its_thread() -> None:
    reply = _message("yes").model_copy(
        update={
            "thread_id": "01M89D8N4X0G0Z1WMBWK43E6TA",
            "reply_to": "01M89D8N4X0G0Z1WMBWK43E6T9",
            "subject": 'PR "42"',
            "ack_required": True,
            "ack_due_at": timefmt.from_text("2026-01-01T10:30:00.000Z"),
        }
    )
    header = render.gui_text(reply).split("\n")[0]
    assert header.endswith(
        " · thread 01M89D8N4X0G0Z1WMBWK43E6TA · reply to 01M89D8N4X0G0Z1WMBWK43E6T9"
        ' · subject "PR \\"42\\"" · ack required by 2026-01-01T10:30:00.000Z'
        " (swarmbus ack 01M89D8N4X0G0Z1WMBWK43E6TB)"
        " · answer: swarmbus reply 01M89D8N4X0G0Z1WMBWK43E6TB"
    )
    fields, body = render.parse_inbox_document(render.inbox_document(reply))
    assert body == "yes"
    assert (fields["thread_id"], fields["reply_to"], fields["subject"]) == (
        "01M89D8N4X0G0Z1WMBWK43E6TA", "01M89D8N4X0G0Z1WMBWK43E6T9", 'PR "42"',
    )  # fmt: skip
    assert (fields["ack_required"], fields["ack_due_at"]) == (True, "2026-01-01T10:30:00.000Z")
    assert fields["reply_with"] == "swarmbus reply 01M89D8N4X0G0Z1WMBWK43E6TB MESSAGE"


def test_every_template_field_renders() -> None:
    template = " ".join(f"{{{name}}}" for name in TEMPLATE_FIELDS)
    text = render.gui_text(_message("BODY", ["t"]), template)
    assert text.startswith("Agent-1 Agent-2 urgent t 01M89D8N4X0G0Z1WMBWK43E6TB ")
    assert text.endswith(" BODY")
    assert render.gui_text(_message("!only the body"), "{body}") == "!only the body"


def test_points_on_screens_including_negative_layouts() -> None:
    left = Rect(-1920, 0, 1920, 1080)
    main = Rect(0, 0, 2560, 1440)
    screens = [left, main]
    assert screen_at(-1269, 481, screens) == left
    assert screen_at(2000, 1300, screens) == main
    assert screen_at(-100, 1200, screens) is None  # below the shorter left monitor
    assert screen_at(2560, 10, screens) is None  # one past the right edge
    assert str(left) == "1920x1080-1920+0"


def test_titles_match_by_case_insensitive_part() -> None:
    assert title_matches("cursor", "main.py - swarm - Cursor")
    assert not title_matches("Agent-3", "Agent-4 chat")


def test_screen_keys_are_safe_file_names() -> None:
    assert screen_key(":0") == "x11-0"
    assert screen_key(":0.1") == "x11-0"
    assert screen_key("localhost:10.0") == "x11-localhost-10"
    assert screen_key("") == "x11-none"
