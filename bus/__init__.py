"""The bus: the one API every face calls (`api.Bus`, with `operations`, `audits` and
`ledger` beside it), dispatching, retrying, and the transports that deliver."""

from __future__ import annotations
