"""The MCP face (`swarmbus mcp`): the bus as tools and resources for one agent.

Needs the optional `swarmbus[mcp]` extra; nothing outside this package imports
the SDK, so `swarmbus send` never pays for it.
"""
