"""The Discord bot: slash commands to steer the swarm (discord.py is imported only here).

A face like the CLI: it calls `swarmbus.bus.api.Bus` (and the services beside
it: `bus.audits.Audits`, `bus.ledger.CommandLedger`), never storage.

Modules, one job each:

- `bot`: the client, its lifecycle and background loops; `runner`: `discord run|sync`
  (and the token kept out of the logs);
- `tree`: the allowlist check and the error handler every invocation passes;
- `commands`, `steering`, `reports`: the slash commands; `arguments`: their validation;
- `auth`: who may run what (the token itself: `swarmbus.agents.discord_token`);
- `invocation`, `failures`: one `discord_commands` row per invocation (written by the
  bus's command ledger);
- `replies`, `embeds`, `text`: what the user sees, inside Discord's limits;
- `redaction`: no server path in anything the bot sends;
- `outcome`: the /send delivery report; `heartbeat`, `stats`, `alerts`: health;
- `context`: what all of them share.
"""
