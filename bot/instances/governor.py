"""A workspace governor whose budget is shared by several bot processes through Redis.

Each poll reads the shared window (calls made, 429 pause, answers in flight everywhere), lets
the same pure EditQueue decide locally, then records the chosen calls atomically; a call the
window no longer has room for goes back in the queue. If Redis fails, the process carries on
with its own view of the budget rather than stall its answers."""

from __future__ import annotations

import asyncio
import logging
import time

from redis.exceptions import RedisError

from bot.instances.redis_store import RedisWindow
from bot.reply.governor import WINDOW_SECONDS, Ticket, WorkspaceGovernor

log = logging.getLogger(__name__)

RETRY_SECONDS = 0.05  # after losing a race for the last calls of the window
RECHECK_SECONDS = 1.0  # how often waiting edits look at what other processes freed


class SharedWorkspaceGovernor(WorkspaceGovernor):
    def __init__(self, per_minute: int, window: RedisWindow):
        super().__init__(per_minute, clock=time.time)
        self.window = window
        self._polling: asyncio.Task | None = None
        self._again = False

    async def open(self, ticket: Ticket) -> None:
        await super().open(ticket)
        await self._quietly(self.window.open(str(ticket.seq), self.clock()))

    async def close(self, ticket: Ticket) -> None:
        await self._quietly(self.window.close(str(ticket.seq)))
        await super().close(ticket)

    async def pause(self, seconds: float) -> None:
        now = self.clock()
        await self._quietly(self.window.pause(now + seconds, now))
        await super().pause(seconds)

    async def done(self, ticket: Ticket) -> None:
        if ticket.slot is not None:  # dated from now for every process, as for this one
            await self._quietly(self.window.settle(ticket.slot, self.clock()))
            ticket.slot = None
        await super().done(ticket)

    async def _polled(self) -> None:
        if self._polling is not None:
            await asyncio.shield(self._polling)

    def _poll(self) -> None:
        self._again = True
        if self._polling is None or self._polling.done():
            self._polling = asyncio.create_task(self._poll_shared())

    async def _poll_shared(self) -> None:
        while self._again:
            self._again = False
            now = self.clock()
            try:
                sent, paused, in_flight = await self.window.snapshot(now)
                self.queue.budget.load(sent, paused)
                self.queue.open_elsewhere = max(0, in_flight - len(self.queue.open))
                granted, wake = self.queue.poll(now)
                finals = [t for t in granted if t.final]
                others = [t for t in granted if not t.final]
                slots = await self.window.commit(now, len(finals), len(others),
                                                 self.queue.budget.limit, self.queue.headroom)
                going = finals[:len(slots[0])] + others[:len(slots[1])]
                for ticket, slot in zip(going, slots[0] + slots[1], strict=True):
                    ticket.slot = slot
            except (RedisError, OSError) as error:
                log.warning("shared edit budget unavailable (%s); using this process's own",
                            type(error).__name__)
                granted, wake = self.queue.poll(now)
                going = granted
            for ticket in granted:
                if ticket not in going:  # another process took those calls first
                    ticket.served -= 1
                    self.queue.waiting.append(ticket)
                    wake = now + RETRY_SECONDS
            if wake is None and self.queue.waiting:
                wake = now + RECHECK_SECONDS  # others' answers may finish and free the budget
            self._grant(going)
            self._wake_at(wake, now)

    @staticmethod
    async def _quietly(operation) -> None:
        try:
            await operation
        except (RedisError, OSError) as error:
            log.warning("Redis call failed (%s)", type(error).__name__)


def shared_governor(per_minute: int, client, team: str) -> SharedWorkspaceGovernor:
    return SharedWorkspaceGovernor(per_minute, RedisWindow(client, team, WINDOW_SECONDS))
