"""What an error means for the user (one ephemeral line) and for the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from discord import app_commands

from swarmbus import errors
from swarmbus.discord_bot.auth import NotAllowed
from swarmbus.discord_bot.invocation import Verdict
from swarmbus.discord_bot.text import clip

ERROR_CHARS = 500  # characters of an error kept in error_message
INTERNAL_ERROR = "Something went wrong inside the bot; it was logged. Try again in a moment."
STALE_COMMAND = "This command is out of date; run 'swarmbus discord sync' and try again."


@dataclass(frozen=True)
class Failure:
    """An error, classified: the verdict for the ledger, the line for the user."""

    verdict: Verdict
    line: str
    unexpected: bool = False


def classify(error: app_commands.AppCommandError) -> Failure:
    """Map any error the tree reports to a `Failure`."""
    if isinstance(error, NotAllowed):
        return Failure(Verdict("refused", "unauthorized", error.reason), str(error))
    if isinstance(error, app_commands.CheckFailure):
        return Failure(Verdict("refused", "unauthorized", str(error)), "You are not allowed.")
    if isinstance(error, app_commands.CommandInvokeError):
        return _from_exception(error.original)
    if isinstance(error, app_commands.TransformerError):
        line = f"{clip(str(error.value), 100)!r} is not a valid {error.type.name}."
        return _invalid(line)
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return Failure(Verdict("failed", "invalid", str(error)), STALE_COMMAND)
    return _invalid(str(error) or type(error).__name__)


def _from_exception(exc: Exception) -> Failure:
    if isinstance(exc, errors.UsageError):
        return _invalid(str(exc))
    if isinstance(exc, errors.BusError):  # the bus failed (database busy...), not the user
        return Failure(Verdict("failed", "valid", clip(str(exc), ERROR_CHARS)), str(exc))
    error = clip(f"{type(exc).__name__}: {exc}", ERROR_CHARS)
    return Failure(Verdict("failed", "valid", error), INTERNAL_ERROR, unexpected=True)


def _invalid(line: str) -> Failure:
    return Failure(Verdict("failed", "invalid", clip(line, ERROR_CHARS)), line)
