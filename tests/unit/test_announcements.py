"""What a dispatcher keeps of the NOTIFY payloads its LISTEN connection hears."""

from __future__ import annotations

import json

from swarmbus.storage.announcements import MOST, Announcements


def test_announcements_keep_named_messages_and_ignore_the_rest() -> None:
    heard = Announcements()
    for payload in ('["Agent-1", 2, "01A"]', "", "not json", '["Agent-1", "2", "01B"]', "[1]"):
        heard.hear(payload)
    assert heard.take() == (1, [("Agent-1", 2, "01A")])
    assert heard.take() == (0, [])
    for n in range(MOST + 1):
        heard.hear(json.dumps(["Agent-1", 2, f"{n:03}"]))
    count, named = heard.take()
    assert (count, len(named)) == (MOST + 1, MOST)  # more heard than kept: claim in full
