"""Slack search's workspace budget (about 10 searches a minute) shared by several bot processes
through Redis: one Lua script takes a slot of the last minute or says how long to wait, and a
429 holds every process's searches until Slack's Retry-After. If Redis fails, the process
paces with its own view rather than stop searching."""

from __future__ import annotations

import logging
import time
import uuid

import redis.asyncio as redis
from redis.exceptions import RedisError

from bot.instances.redis_store import PREFIX
from bot.tools.slack_search import PER_MINUTE, SearchPacer

log = logging.getLogger(__name__)

WINDOW = 60.0
# KEYS: times, blocked. ARGV: now, window, limit, member. → seconds to wait ("0": taken)
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > tonumber(ARGV[1]) then return tostring(blocked - ARGV[1]) end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(first[2] + ARGV[2] - ARGV[1])
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(ARGV[2] * 2))
return '0'
"""


class SharedSearchPacer(SearchPacer):
    def __init__(self, client: redis.Redis, per_minute: int = PER_MINUTE) -> None:
        super().__init__(per_minute, clock=time.time)  # the clock processes share
        self.client = client
        self._take = client.register_script(_TAKE)

    @staticmethod
    def _keys(team: str) -> list[str]:
        return [f"{PREFIX}:search:{team}:times", f"{PREFIX}:search:{team}:blocked"]

    async def _wait(self, team: str) -> float:
        try:
            wait = await self._take(keys=self._keys(team), args=[
                self.clock(), WINDOW, self.per_minute, uuid.uuid4().hex])
        except (RedisError, OSError) as error:
            log.warning("Redis unavailable for the search budget (%s): pacing locally",
                        type(error).__name__)
            return self.wait_needed(team)
        return max(0.0, float(wait))

    async def limited(self, team: str, seconds: float) -> None:
        self.block(team, seconds)
        try:
            await self.client.set(self._keys(team)[1], self.clock() + seconds,
                                  px=max(1, int(seconds * 1000)))
        except (RedisError, OSError) as error:
            log.warning("Redis unavailable for the search budget (%s)", type(error).__name__)
