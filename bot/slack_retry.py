"""Riding out Slack's passing failures: a 429 (waited out as its `Retry-After` asks), a 5xx, a
dropped connection or a timeout is retried until a deadline; anything else (Slack said no:
`missing_scope`, `channel_not_found`…) is final at once. slack_sdk retries none of these by
itself here: the only handler the bot installs counts 429s (bot/metrics.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from slack_sdk.errors import SlackApiError

from bot.slack_errors import SLACK_FAILURES, retry_after

T = TypeVar("T")

FIRST_BACKOFF = 0.5  # seconds before retrying a 5xx or a dropped connection, doubled each time
LONGEST_BACKOFF = 8.0


def passing(error: BaseException) -> bool:
    """A failure worth another try: rate-limited, Slack's own fault, or the network's."""
    if isinstance(error, SlackApiError):
        return error.response.status_code == 429 or error.response.status_code >= 500
    return isinstance(error, SLACK_FAILURES)


def pause_before(error: BaseException, attempt: int) -> float:
    """How long to wait before try number `attempt` + 2."""
    asked = retry_after(error)
    return asked if asked is not None else min(LONGEST_BACKOFF, FIRST_BACKOFF * 2 ** attempt)


async def retrying(call: Callable[[], Awaitable[T]], deadline: float) -> T:
    """`call()`, again after each passing failure while the wait still ends before
    `deadline` (time.monotonic()); the last failure is raised."""
    attempt = 0
    while True:
        try:
            return await call()
        except SLACK_FAILURES as error:
            wait = pause_before(error, attempt)
            if not passing(error) or time.monotonic() + wait > deadline:
                raise
            await asyncio.sleep(wait)
            attempt += 1
