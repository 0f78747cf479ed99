"""The stop button across several processes (`REDIS_URL`): Slack sends `agent_session_stopped`
to one process, while the answer may run in another. The process that receives it stops its own
answers at once and publishes the stop; every process applies what is published (a stop that
arrives twice is harmless) and replies whether it still has an answer in flight in that thread,
so the receiver knows whether someone will set the session back to `active`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from dataclasses import dataclass, field

import redis.asyncio as redis
from redis.exceptions import RedisError

from bot.instances.redis_store import PREFIX
from bot.session import Runs

log = logging.getLogger(__name__)

CHANNEL = f"{PREFIX}:stops"
RECONNECT = 1.0  # seconds between attempts to listen again after Redis failed
REPLY_WAIT = 0.5  # seconds to hear from the other processes after a stop


@dataclass
class _Replies:
    expected: int | None = None  # the processes that got the stop, this one left out
    count: int = 0
    answering: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def check(self) -> None:
        if self.answering or (self.expected is not None and self.count >= self.expected):
            self.done.set()


class StopRelay:
    def __init__(self, client: redis.Redis, runs: Runs) -> None:
        self.client = client
        self.runs = runs
        self.name = uuid.uuid4().hex  # this process, in the messages it sends
        self._listener: asyncio.Task | None = None
        self._subscribed = asyncio.Event()
        self._replies: dict[str, _Replies] = {}  # by stop id, while this process waits
        self._sending: set[asyncio.Task] = set()

    async def publish(self, channel: str, thread_ts: str, user: str,
                      streams: tuple[str, ...]) -> bool:
        """Share a stop; True if another process still has an answer in flight in the thread
        (as far as the replies within REPLY_WAIT tell)."""
        stop_id = uuid.uuid4().hex
        replies = self._replies[stop_id] = _Replies()
        message = json.dumps({"channel": channel, "thread_ts": thread_ts, "user": user,
                              "streams": list(streams), "id": stop_id, "from": self.name})
        try:
            replies.expected = await self.client.publish(CHANNEL, message) - 1
            replies.check()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(replies.done.wait(), REPLY_WAIT)
        except (RedisError, OSError) as error:
            log.warning("could not share a stop with other processes: %s", type(error).__name__)
        finally:
            del self._replies[stop_id]
        return replies.answering

    def _reply(self, stop_id: str, answering: bool) -> None:
        async def send() -> None:
            with contextlib.suppress(RedisError, OSError):
                await self.client.publish(CHANNEL, json.dumps({"reply_to": stop_id,
                                                               "answering": answering}))
        task = asyncio.ensure_future(send())
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

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
            if "reply_to" in stop:
                replies = self._replies.get(stop["reply_to"])
                if replies is not None:
                    replies.count += 1
                    replies.answering |= stop.get("answering") is True
                    replies.check()
                return
            self.runs.stop(stop["channel"], stop["thread_ts"], stop["user"],
                           tuple(stop.get("streams") or ()))
            if stop.get("id") and stop.get("from") != self.name:
                self._reply(stop["id"], self.runs.busy(stop["channel"], stop["thread_ts"]))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed stop from another process")
