"""Slack search's workspace budget shared by several processes through a real Redis: what one
process takes, the others cannot; a 429 one of them saw holds them all; without Redis each
paces alone."""

import asyncio

from bot.instances import redis_store
from bot.instances.search_budget import SharedSearchPacer
from tests.e2e.processes import RedisServer


async def test_processes_share_one_search_budget_per_workspace(tmp_path):
    async with RedisServer(tmp_path) as redis:
        client = redis_store.connect(redis.url)
        try:
            clock = [1000.0]
            one, two = (SharedSearchPacer(client, per_minute=2) for _ in range(2))
            for pacer in (one, two):
                pacer.clock = lambda: clock[0]
            assert await one.take("T1", max_wait=0) and await two.take("T1", max_wait=0)
            assert not await one.take("T1", max_wait=0)  # the minute's two are used
            assert await two.take("T2", max_wait=0)  # another workspace has its own
            clock[0] = 1060.5
            assert await one.take("T1", max_wait=0)
            await two.limited("T1", 30)  # Slack answered 429 to the second process
            assert await one._wait("T1") == 30
            clock[0] = 1091.0
            assert await one.take("T1", max_wait=0)
        finally:
            await client.aclose()
            await asyncio.sleep(0)


async def test_without_redis_a_process_paces_alone(tmp_path):
    client = redis_store.connect(f"unix://{tmp_path}/nothing.sock")
    try:
        pacer = SharedSearchPacer(client, per_minute=1)
        assert await pacer.take("T1", max_wait=0)
        assert not await pacer.take("T1", max_wait=0)
    finally:
        await client.aclose()
