"""The web dashboard (`swarmbus web`): a live page of the swarm, a face like the CLI and the bot.

Starlette serves pages drawn with Jinja2 (escaped everywhere); htmx and its SSE
extension, vendored in `static/`, swap in each page's live region when the
database changes: one watch per process (`Bus.watch`), fanned out to every open
page by `live.LiveHub`. It calls the Bus and its named services only, never
storage. Loopback needs no login; any other address needs `SWARMBUS_WEB_TOKEN`.
Installed with the `swarmbus[web]` extra and imported only by `swarmbus web`.
"""
