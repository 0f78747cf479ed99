"""The Redis-shared edit budget counts a call until its response returned, as the local one
does: what one process learns about a call's return, every process sees; and the answers and
placeholders of every process weigh in the decision to post a placeholder."""

import asyncio

from bot.instances import redis_store
from bot.instances.governor import shared_governor
from bot.reply.budgets import WorkspaceBudgets
from bot.reply.governor import Ticket
from bot.reply.routes import room_for_placeholder
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


async def test_placeholders_and_deletes_of_other_processes_count_in_the_decision(tmp_path):
    async with RedisServer(tmp_path) as redis:
        client = redis_store.connect(redis.url)
        try:
            one, two = (WorkspaceBudgets.make(
                lambda limit, key: shared_governor(limit, client, key), "T1") for _ in range(2))
            edits = [shared_governor(10, client, "T1") for _ in range(2)]
            for _ in range(30):  # process one: answers in flight, placeholders to delete
                await edits[0].open(Ticket())
                await one.deletes.open(Ticket(final=True))
            for governor in (edits[1], two.deletes):
                await governor.refresh()
            assert not room_for_placeholder(edits[1].queue, two.deletes.queue,
                                            edits[1].clock())
        finally:
            await client.aclose()
            await asyncio.sleep(0)
