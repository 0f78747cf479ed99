"""The threads the bot takes part in, and who is in each: what lets it ignore a
message without any Slack call, and answer a lone person's follow-up without a mention."""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Iterable

from slack_sdk.web.async_client import AsyncWebClient

from bot.reply.governor import Ticket, WorkspaceGovernor, in_turn
from bot.slack_retry import retrying

MAX_PAGES = 50  # 10,000 messages: beyond that, the oldest are trimmed anyway
PAGE_SIZE = 200
RETRY_SECONDS = 10.0  # then the answer goes on without the thread, saying so


class ThreadBook:
    """In memory and bounded: the least recently active threads are forgotten first."""

    def __init__(self, capacity: int = 50_000):
        self.capacity = capacity
        self._people: OrderedDict[tuple[str, str], frozenset[str]] = OrderedDict()

    async def join(self, channel: str, thread_ts: str, people: Iterable[str]) -> None:
        """The bot answered in this thread, where these people have written."""
        key = (channel, thread_ts)
        self._people[key] = self._people.get(key, frozenset()) | frozenset(people)
        self._people.move_to_end(key)
        while len(self._people) > self.capacity:
            self._people.popitem(last=False)

    async def saw(self, channel: str, thread_ts: str, user: str) -> frozenset[str] | None:
        """Someone wrote in a thread: who is in it now, or None if the bot is not in it."""
        key = (channel, thread_ts)
        if key not in self._people:
            return None
        await self.join(channel, thread_ts, [user])
        return self._people[key]


async def fetch_thread(client: AsyncWebClient, channel: str, thread_ts: str,
                       reads: WorkspaceGovernor | None = None) -> list[dict]:
    """Every message of a thread, oldest first (conversations.replies, paginated; each page
    in its turn of the workspace's `reads` budget). A 429, a 5xx or a dropped connection is
    waited out and retried for RETRY_SECONDS in all before the error is raised."""
    messages: list[dict] = []
    cursor = None
    deadline = time.monotonic() + RETRY_SECONDS
    for _ in range(MAX_PAGES):
        page = await retrying(functools.partial(
            _page, client, reads, channel=channel, ts=thread_ts, cursor=cursor,
            limit=PAGE_SIZE, include_all_metadata=True), deadline)
        messages += page.get("messages") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            break
    return messages


async def _page(client: AsyncWebClient, reads: WorkspaceGovernor | None, **args) -> dict:
    """One conversations.replies call. It is Tier 3 (50+ a minute per workspace,
    docs.slack.dev/reference/methods/conversations.replies): it waits its turn, and a 429
    pauses the whole workspace's reads for as long as Slack asked."""
    if reads is None:
        return await client.conversations_replies(**args)
    # No reservations among reads: each may use the whole window.
    return await in_turn(reads, Ticket(final=True),
                         functools.partial(client.conversations_replies, **args))


def people_in(messages: list[dict], bot_user_id: str | None) -> set[str]:
    """The humans who wrote in a thread."""
    return {m["user"] for m in messages
            if m.get("user") and not m.get("bot_id") and m.get("user") != bot_user_id}
