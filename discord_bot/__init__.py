"""The Discord bot: slash commands to steer the swarm (discord.py is imported only here)."""
