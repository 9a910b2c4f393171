"""Validation of the per-agent GUI settings in `swarmbus.toml`: key combinations,
the message template, and delays.

Kept apart from `config` so that file stays about the config's shape; the
checks raise ValueError, which `config` turns into one line naming the key.
"""

from __future__ import annotations

import string
from typing import Annotated

from pydantic import AfterValidator, Field

MODIFIER_KEYS = frozenset({"ctrl", "shift", "alt", "option", "command", "win", "fn"})
NAMED_KEYS = frozenset(
    {"enter", "return", "tab", "space", "escape", "backspace", "delete", "insert", "home", "end"}
    | {"pageup", "pagedown", "up", "down", "left", "right"}
    | {f"f{n}" for n in range(1, 25)}
)
KEY_RULE = (
    "key names joined by '+': any of ctrl, shift, alt, option, command, win, fn, then one "
    "key (enter, tab, space, escape, f1-f24, a letter or digit...), like 'ctrl+enter'"
)
TEMPLATE_FIELDS = (
    "sender", "recipient", "priority", "tags", "id", "sent_at",
    "thread", "reply_to", "subject", "conversation", "body",
)  # fmt: skip


def check_key_combo(combo: str) -> str:
    """Accept a pyautogui hotkey such as 'enter', 'ctrl+enter' or 'ctrl+shift+v'."""
    *modifiers, key = combo.split("+")
    single = len(key) == 1 and key.isprintable() and not key.isspace()
    if not (key in NAMED_KEYS or single) or not set(modifiers) <= MODIFIER_KEYS:
        raise ValueError(f"must be {KEY_RULE}")
    return combo


def check_template(template: str) -> str:
    """Accept a str.format template over TEMPLATE_FIELDS that holds {body} exactly once."""
    allowed = ", ".join(f"{{{name}}}" for name in TEMPLATE_FIELDS)
    try:
        fields = [parts[1:] for parts in string.Formatter().parse(template) if parts[1] is not None]
    except ValueError as exc:
        raise ValueError(f"not a valid template ({exc}); write braces as {{{{ and }}}}") from None
    for name, spec, conversion in fields:
        if name not in TEMPLATE_FIELDS:
            raise ValueError(f"unknown field {{{name}}}; allowed: {allowed}")
        if spec or conversion:  # the body must arrive exactly as sent
            raise ValueError(f"{{{name}}}: format specs and conversions are not allowed")
    if [name for name, _, _ in fields].count("body") != 1:
        raise ValueError("must contain {body} exactly once (the message text)")
    if "id" not in [name for name, _, _ in fields]:
        raise ValueError(
            "must contain {id} (the message id lets the agent recognise a repeated message)"
        )
    return template


KeyCombo = Annotated[str, AfterValidator(check_key_combo)]
MessageTemplate = Annotated[str, AfterValidator(check_template)]
Seconds = Annotated[float, Field(ge=0, le=10)]
