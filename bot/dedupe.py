"""Exactly one answer per user message: the first claim of a key wins.

Keys are `(channel, ts)` of the message, so a Slack retry, a repeated event_id and the twin
`app_mention` + `message` deliveries of one message all collapse into one answer."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

TTL_SECONDS = 6 * 3600  # longer than Slack's last retry (~5 min) by far


class MemoryDedupe:
    def __init__(self, ttl: float = TTL_SECONDS, capacity: int = 200_000,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.capacity = capacity
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def claim(self, key: str) -> bool:
        """True the first time `key` is claimed (within the TTL), False after."""
        now = self.clock()
        while self._seen and (next(iter(self._seen.values())) <= now
                              or len(self._seen) >= self.capacity):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now + self.ttl
        return True
