"""The Discord bot: slash commands to steer the swarm (discord.py is imported only here).

Modules, one job each:

- `bot`: the client, its lifecycle and background loops; `runner`: `discord run|sync`;
- `tree`: the allowlist check and the error handler every invocation passes;
- `commands`, `steering`, `reports`: the slash commands; `arguments`: their validation;
- `auth`: who may run what (the token itself: `swarmbus.agents.discord_token`);
- `invocation`, `ledger`, `failures`: one `discord_commands` row per invocation;
- `replies`, `embeds`, `text`: what the user sees, inside Discord's limits;
- `redaction`: no server path in anything the bot sends;
- `outcome`: the /send delivery report; `heartbeat`, `stats`, `alerts`: health;
- `context`: what all of them share.
"""
