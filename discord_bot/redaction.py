"""Server file paths never reach Discord: every text the bot sends passes `hide_paths`.

Errors from the bus name the database file, config errors name the config
file, transports name inbox folders, and agents write paths into their
reports and messages. A Discord user, possibly one on no allowlist, has no
business learning the server's layout or user names, so absolute paths
(POSIX, `~`, Windows, UNC) and file or database URLs become a neutral
placeholder. The ledger keeps the full error text for the operator.

Relative paths ("bus/api.py", as the compliance audit names components) and
single-segment ones ("/send", a command) are left alone; a path with spaces
is caught when quoted, or when a `/` follows the space (`/Users/Jo Doe/x`).
"""

from __future__ import annotations

import re
from typing import Any

import discord

SERVER_PATH = "[server path]"
DATABASE_ADDRESS = "[database address]"

_SEGMENT = r"[^\s/\\'\"`()\[\]{}<>,;:|*?]+"
_INNER = rf"{_SEGMENT}(?: {_SEGMENT})*"  # a folder name may hold single spaces
_POSIX = rf"(?<![\w.:/\\~-])(?:~[\w.-]*)?/(?:{_INNER}/)+{_SEGMENT}/?"
_HOME = rf"(?<![\w.:/\\~-])~[\w.-]*/{_SEGMENT}"  # ~/notes: one segment is enough
_WINDOWS = rf"(?<![\w])[A-Za-z]:[\\/](?:{_INNER}[\\/])*(?:{_SEGMENT})?"
_UNC = rf"(?<![\w\\])\\\\{_SEGMENT}(?:\\{_INNER})+"
_QUOTED = re.compile(r"""(['"])(?:~[\w.-]*/|/(?=[^'"\s/]+/)|[A-Za-z]:[\\/]|\\\\)[^'"\n]*\1""")
_DATABASE_URL = re.compile(r"\b(?:postgres|postgresql)://[^\s'\"`<>]+", re.IGNORECASE)
_FILE_URL = re.compile(r"\b(?:file|sqlite):///?[^\s'\"`<>]+", re.IGNORECASE)
_BARE = re.compile("|".join(f"(?:{p})" for p in (_POSIX, _HOME, _WINDOWS, _UNC)))
# Embed keys whose values Discord caps; a placeholder may be longer than the path it hides.
_LIMITS = {"title": 256, "description": 4096, "name": 256, "value": 1024, "text": 2048}


def hide_paths(text: str) -> str:
    """`text` with every server path and database address replaced by a placeholder."""
    if "/" not in text and "\\" not in text:
        return text  # the common case: nothing that could be a path
    text = _QUOTED.sub(lambda m: f"{m[1]}{SERVER_PATH}{m[1]}", text)
    text = _DATABASE_URL.sub(DATABASE_ADDRESS, text)
    text = _FILE_URL.sub(SERVER_PATH, text)
    return _BARE.sub(_keep_full_stops, text)


def _keep_full_stops(match: re.Match[str]) -> str:
    """The placeholder, followed by the sentence's full stops the path had swallowed."""
    found = match[0]
    return SERVER_PATH + found[len(found.rstrip(".")) :]


def hide_paths_in_embed(embed: discord.Embed) -> discord.Embed:
    """A copy of `embed` with paths hidden in every text it holds, still inside the limits."""
    return discord.Embed.from_dict(_hide_in(embed.to_dict()))


def _hide_in(value: Any, key: str = "") -> Any:
    if isinstance(value, str):
        hidden = hide_paths(value)
        limit = _LIMITS.get(key)
        if limit is not None and len(hidden) > limit:
            hidden = hidden[: limit - 1] + "…"
        return hidden
    if isinstance(value, dict):
        return {k: _hide_in(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_hide_in(item, key) for item in value]
    return value
