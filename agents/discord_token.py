"""The Discord bot token: only from the environment, checked before any network call.

It lives beside the `[discord]` config rather than in the bot, because the
doctor checks it too. The bot keeps it out of its logs (`discord_bot.runner`).

A token is three dot-separated base64url parts (user id, timestamp, HMAC). The
checks catch the usual paste mistakes (a 'Bot ' prefix, quotes, a client
secret instead of the bot token) with a line that never repeats the value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from swarmbus import errors

TOKEN_ENVS = ("SWARMBUS_DISCORD_TOKEN", "DISCORD_TOKEN")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{17,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


def read_token(env: Mapping[str, str] = os.environ) -> str:
    """The token from $SWARMBUS_DISCORD_TOKEN, else $DISCORD_TOKEN; `ConfigError` if unusable."""
    for name in TOKEN_ENVS:
        value = env.get(name, "").strip()
        if value:
            return check_token(value, name)
    raise errors.ConfigError(
        "no Discord bot token: set SWARMBUS_DISCORD_TOKEN (or DISCORD_TOKEN) to the token "
        "from the Developer Portal (your application, Bot, Reset Token)"
    )


def check_token(token: str, source: str) -> str:
    """Return `token` if it has a bot token's shape; the error names `source`, not the value."""
    if token.lower().startswith("bot "):
        raise errors.ConfigError(f"{source} starts with 'Bot '; set the token alone")
    if not _TOKEN.fullmatch(token):
        raise errors.ConfigError(
            f"{source} is not a Discord bot token (expected three dot-separated parts of "
            f"letters, digits, '-' and '_', about 70 characters); copy it again from the "
            f"Developer Portal (Bot, Reset Token)"
        )
    return token
