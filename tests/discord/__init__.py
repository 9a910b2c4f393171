"""Tests of the Discord bot, run offline on its real command tree (see harness.py)."""

import warnings

# discord.py imports the audio module `audioop` (deprecated in 3.11, unused here);
# import it once, quietly, before any test does.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401
