"""The answers in flight: spawned as tasks so events are never held up, kept so that none is
garbage-collected mid-way and every failure is logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine

log = logging.getLogger(__name__)


class Inflight:
    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()

    def spawn(self, coro: Coroutine, name: str) -> asyncio.Task:
        task = asyncio.create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def wait(self) -> None:
        """Until every answer in flight has finished (for tests and shutdown)."""
        while self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def drain(self, grace: float, wrap_up: float) -> int:
        """Let answers run for up to `grace` seconds, then cancel the rest and give them
        `wrap_up` seconds to mark themselves interrupted. Returns how many were cut short."""
        if not self.tasks:
            return 0
        _done, pending = await asyncio.wait(set(self.tasks), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=wrap_up)
        return len(pending)
