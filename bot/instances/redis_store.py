"""State shared by several bot processes through Redis (`REDIS_URL`): the
exactly-once claims, the threads the bot takes part in, and each workspace's edit budget.

Every operation is one round trip (a command or a Lua script), so processes never see each
other half-way. Times are wall-clock seconds (`time.time`), the clock processes share."""

from __future__ import annotations

import itertools
import logging
import math
import uuid
from collections.abc import Iterable

import redis.asyncio as redis
from redis.exceptions import RedisError

from bot.dedupe import MemoryDedupe
from bot.threads import ThreadBook

log = logging.getLogger(__name__)

PREFIX = "claude-slack"
TIMEOUT = 5.0  # seconds for any Redis call
THREAD_TTL = 30 * 86400
OPEN_TTL = 15 * 60  # an answer's reservation lapses if its process dies without closing it

_SAW = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('SMEMBERS', KEYS[1])
"""
# KEYS: calls, pause, open. ARGV: now, window. → {times..., paused_until, open count}
_SNAPSHOT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
local times = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local out = {}
for i = 2, #times, 2 do out[#out + 1] = times[i] end
out[#out + 1] = redis.call('GET', KEYS[2]) or '-inf'
out[#out + 1] = tostring(redis.call('ZCARD', KEYS[3]))
return out
"""
# KEYS: calls, open. ARGV: now, window, limit, finals, intermediates, member prefix, headroom.
# → {finals, intermediates} that may go now: finals while the window has room, intermediates
# only while every answer in flight (in any process) still has room for its final edit.
_COMMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local count = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[3])
local finals = math.max(0, math.min(tonumber(ARGV[4]), limit - count))
count = count + finals
local free = limit - tonumber(ARGV[7]) - redis.call('ZCARD', KEYS[2]) - count
local intermediates = math.max(0, math.min(tonumber(ARGV[5]), free))
for i = 1, finals + intermediates do redis.call('ZADD', KEYS[1], ARGV[1], ARGV[6] .. ':' .. i) end
redis.call('EXPIRE', KEYS[1], math.ceil(ARGV[2] * 2))
return {finals, intermediates}
"""


def connect(url: str) -> redis.Redis:
    return redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT,
                          decode_responses=True)


class RedisDedupe:
    """Claims shared by every process; while Redis is unreachable, this process's own."""

    def __init__(self, client: redis.Redis, ttl: int = 6 * 3600):
        self.client = client
        self.ttl = ttl
        self.fallback = MemoryDedupe(ttl)

    async def claim(self, key: str) -> bool:
        try:
            return bool(await self.client.set(f"{PREFIX}:seen:{key}", "1", nx=True,
                                              ex=self.ttl))
        except (RedisError, OSError) as error:
            log.warning("Redis unavailable for dedupe (%s)", type(error).__name__)
            return await self.fallback.claim(key)


class RedisThreadBook:
    """The threads the bot is in, shared; while Redis is unreachable, this process's own."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self._saw = client.register_script(_SAW)
        self.fallback = ThreadBook()

    async def join(self, channel: str, thread_ts: str, people: Iterable[str]) -> None:
        key = f"{PREFIX}:thread:{channel}:{thread_ts}"
        await self.fallback.join(channel, thread_ts, people)
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.sadd(key, *people).expire(key, THREAD_TTL)
                await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning("Redis unavailable for threads (%s)", type(error).__name__)

    async def saw(self, channel: str, thread_ts: str, user: str) -> frozenset[str] | None:
        try:
            found = await self._saw(keys=[f"{PREFIX}:thread:{channel}:{thread_ts}"],
                                    args=[user, THREAD_TTL])
        except (RedisError, OSError) as error:
            log.warning("Redis unavailable for threads (%s)", type(error).__name__)
            return await self.fallback.saw(channel, thread_ts, user)
        return frozenset(found) if found else None


class RedisWindow:
    """One workspace's `chat.update` calls in the window, its 429 pause and the answers in
    flight, as every process sees them."""

    def __init__(self, client: redis.Redis, team: str, window: float):
        self.client = client
        self.window = window
        self._keys = [f"{PREFIX}:calls:{team}", f"{PREFIX}:pause:{team}", f"{PREFIX}:open:{team}"]
        self._snapshot = client.register_script(_SNAPSHOT)
        self._commit = client.register_script(_COMMIT)
        self._ids = itertools.count()
        self._me = uuid.uuid4().hex[:12]

    async def snapshot(self, now: float) -> tuple[list[float], float, int]:
        """Call times in the window, the pause, and how many answers are in flight."""
        values = await self._snapshot(keys=self._keys, args=[now, self.window])
        return [float(v) for v in values[:-2]], float(values[-2]), int(values[-1])

    async def commit(self, now: float, finals: int, intermediates: int, limit: int,
                     headroom: int) -> tuple[list[str], list[str]]:
        """Record the calls that may go at `now`: the window entries of the finals and of the
        intermediates granted (fewer than asked when other processes took the room)."""
        member = f"{self._me}:{next(self._ids)}"
        granted = await self._commit(keys=[self._keys[0], self._keys[2]],
                                     args=[now, self.window, limit, finals, intermediates,
                                           member, headroom])
        slots = [f"{member}:{i}" for i in range(1, int(granted[0]) + int(granted[1]) + 1)]
        return slots[:int(granted[0])], slots[int(granted[0]):]

    async def settle(self, slot: str, now: float) -> None:
        """A granted call has returned: its entry counts from `now` (if still in the window)."""
        await self.client.zadd(self._keys[0], {slot: now}, xx=True)

    async def pause(self, until: float, now: float) -> None:
        await self.client.set(self._keys[1], until, ex=max(1, math.ceil(until - now) + 1))

    async def open(self, ticket_id: str, now: float) -> None:
        await self.client.zadd(self._keys[2], {f"{self._me}:{ticket_id}": now + OPEN_TTL})

    async def close(self, ticket_id: str) -> None:
        await self.client.zrem(self._keys[2], f"{self._me}:{ticket_id}")
