"""The domain model: what a message is, its statuses, ids, times and rendering, and the
rows of the other contract tables.

It sits on the ground floor, beside `swarmbus.errors`: storage writes these
models, transports deliver them, the bus and every face (CLI, Discord, MCP,
web) read them, and this package imports none of those, only pydantic and the
standard library. Nothing is imported here eagerly, so `swarmbus send` loads
only the modules it uses.
"""
