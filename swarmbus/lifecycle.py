"""The `async with` protocol for long-lived objects that must be closed."""

from __future__ import annotations

from typing import Self


class AsyncResource:
    """Mixin: leaving an `async with` block closes the resource."""

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
