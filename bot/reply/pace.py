"""Slack's chat.postMessage pace: "one message per second per channel … Short bursts >1
allowed" (docs.slack.dev/apis/web-api/rate-limits; docs.slack.dev/reference/methods/
chat.postMessage). Every post of the bot (placeholders, answers posted anew, continuations)
takes its turn here, so a busy channel never sees a 429. A bucket per channel, pure clock
logic; the async wait is one sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

BURST = 3  # posts at once in one channel (Slack publishes no size: kept small)
PER_SECOND = 1.0
PRUNE_AT = 10_000  # channels remembered before the idle ones are forgotten


class ChannelPace:
    def __init__(self, burst: int = BURST, per_second: float = PER_SECOND,
                 clock: Callable[[], float] = time.monotonic):
        self.burst = burst
        self.per_second = per_second
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, at)

    def delay(self, channel: str, now: float) -> float:
        """Take the channel's next turn: how many seconds from `now` it comes. Turns are
        handed out in order, so a queue of posts leaves one a second."""
        tokens, at = self._buckets.get(channel, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.per_second) - 1
        if len(self._buckets) >= PRUNE_AT:
            self._forget_idle(now)
        self._buckets[channel] = (tokens, now)
        return max(0.0, -tokens / self.per_second)

    def _forget_idle(self, now: float) -> None:
        """Channels whose bucket is full again cost nothing to forget."""
        full = [channel for channel, (tokens, at) in self._buckets.items()
                if tokens + (now - at) * self.per_second >= self.burst]
        for channel in full:
            del self._buckets[channel]

    async def turn(self, channel: str) -> None:
        wait = self.delay(channel, self.clock())
        if wait > 0:
            await asyncio.sleep(wait)
