"""The stop button across several processes (`REDIS_URL`): Slack sends `agent_session_stopped`
to one process, while the answer may run in another. The process that receives it stops its own
answers at once and publishes the stop; every process applies what is published (a stop that
arrives twice is harmless)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import redis.asyncio as redis
from redis.exceptions import RedisError

from bot.instances.redis_store import PREFIX
from bot.session import Runs

log = logging.getLogger(__name__)

CHANNEL = f"{PREFIX}:stops"
RECONNECT = 1.0  # seconds between attempts to listen again after Redis failed


class StopRelay:
    def __init__(self, client: redis.Redis, runs: Runs) -> None:
        self.client = client
        self.runs = runs
        self._listener: asyncio.Task | None = None
        self._subscribed = asyncio.Event()

    async def publish(self, channel: str, thread_ts: str, user: str,
                      streams: tuple[str, ...]) -> None:
        message = json.dumps({"channel": channel, "thread_ts": thread_ts, "user": user,
                              "streams": list(streams)})
        try:
            await self.client.publish(CHANNEL, message)
        except (RedisError, OSError) as error:
            log.warning("could not share a stop with other processes: %s", type(error).__name__)

    async def start(self) -> None:
        """Listen for stops; returns once subscribed (or after Redis failed the first time)."""
        self._listener = asyncio.create_task(self._listen(), name="stop relay")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), RECONNECT * 5)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener

    async def _listen(self) -> None:
        while True:
            try:
                async with self.client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    self._subscribed.set()
                    while True:
                        message = await pubsub.get_message(timeout=RECONNECT)
                        if message is not None:
                            self._apply(message["data"])
            except (RedisError, OSError) as error:
                log.warning("stops from other processes unavailable: %s", type(error).__name__)
                self._subscribed.set()
                await asyncio.sleep(RECONNECT)

    def _apply(self, data: str) -> None:
        try:
            stop = json.loads(data)
            self.runs.stop(stop["channel"], stop["thread_ts"], stop["user"],
                           tuple(stop.get("streams") or ()))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed stop from another process")
