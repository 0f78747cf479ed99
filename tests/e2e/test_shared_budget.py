"""The Redis-shared edit budget counts a call until its response returned, as the local one
does: what one process learns about a call's return, every process sees."""

import asyncio

from bot.instances import redis_store
from bot.instances.governor import shared_governor
from bot.reply.governor import Ticket
from tests.e2e.processes import RedisServer


async def test_a_slot_is_dated_from_its_return_for_every_process(tmp_path):
    async with RedisServer(tmp_path) as redis:
        client = redis_store.connect(redis.url)
        try:
            clock = [1000.0]
            one, two = (shared_governor(1, client, "T1") for _ in range(2))
            for governor in (one, two):
                governor.clock = lambda: clock[0]
            ticket = Ticket(final=True)
            await one.acquire(ticket)  # the one call of the minute, granted at 1000
            clock[0] = 1009.0  # ...and back from Slack 9 s later
            await one.done(ticket)
            clock[0] = 1061.0  # a minute after the grant, not after the return
            other = Ticket(final=True)
            assert not await two.try_acquire(other)
            clock[0] = 1069.6
            assert await two.try_acquire(other)
        finally:
            await client.aclose()
            await asyncio.sleep(0)
