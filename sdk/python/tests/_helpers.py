"""Small async helpers: wait on conditions with deadlines instead of sleeping."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Callable, Generic, List, TypeVar

T = TypeVar("T")

DEADLINE = 20.0


def unique(prefix: str) -> str:
    """A fresh agent name or key part, so tests sharing a server never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def eventually(condition: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    """Polls ``condition`` (cheap, local state only) until it holds, or fails after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.01)


class Recorder(Generic[T]):
    """Collects what handlers receive; tests wait until what they expect is there."""

    def __init__(self) -> None:
        self.items: List[T] = []
        self._changed = asyncio.Condition()

    async def add(self, item: T) -> None:
        async with self._changed:
            self.items.append(item)
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[List[T]], Any], what: str, timeout: float = DEADLINE) -> List[T]:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: bool(predicate(self.items))), timeout)
            except asyncio.TimeoutError:
                raise AssertionError(f"timed out after {timeout:g} s waiting for {what}; got {self.items!r}") from None
        return self.items

    async def wait_for_count(self, count: int, what: str, timeout: float = DEADLINE) -> List[T]:
        return await self.wait_until(lambda items: len(items) >= count, f"{count} {what}", timeout)
