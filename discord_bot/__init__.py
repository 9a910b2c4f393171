"""The Discord bot: slash commands to steer the swarm (discord.py is imported only here).

Modules, one job each: `bot` (the client and its lifecycle), `tree` (the
allowlist check and the error handler every command goes through), `steering`
and `reports` (the commands), `auth`, `invocation` and `ledger` (who may run
what, and the `discord_commands` row of every invocation), `replies`,
`embeds` and `text` (what the user sees, inside Discord's limits),
`heartbeat`, `alerts`, `outcome`, `credentials` and `runner`.
"""
