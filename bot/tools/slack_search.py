"""Slack search as a client tool: the definition Claude sees (`search_slack`), the call to Slack's
real-time search (`assistant.search.context`) and its results as `search_result` blocks with
citations enabled, so Claude cites Slack messages by their permalinks.

Shapes: docs.slack.dev/reference/methods/assistant.search.context (`query`, `channel_types`,
`content_types`, `limit`, `action_token` "as received in a message event"; results.messages[]
with permalink, channel_name, author_name, message_ts, content) and the anthropic SDK's
types/search_result_block_param.py. Only public channels are ever searched.
A failure is an error tool_result in plain words, so Claude can say it could not search."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import decode_slack_text
from bot.reply.governor import EditBudget, Governors
from bot.slack_errors import SLACK_FAILURES, retry_after, slack_error

log = logging.getLogger(__name__)

NAME = "search_slack"
DEFINITION = {
    "name": NAME,
    "description": (
        "Search this company's public Slack channels for messages: decisions, announcements, "
        "who said what. Use it when the question is about the company's own work or "
        "discussions. Each result is a message with its channel, author and date; cite the "
        "messages you use."),
    "input_schema": {
        "type": "object",
        "properties": {"query": {"type": "string", "description": (
            "What to look for: a question or keywords, e.g. 'Q3 launch date decision'")}},
        "required": ["query"]},
}
LIMIT = 10  # results per search
TIMEOUT = 10.0  # seconds one search may take
PER_MINUTE = 10  # "10+ requests per minute" for most teams (the method's rate limit)
MAX_WAIT = 5.0  # seconds a search may wait for the workspace's budget before giving up

_PLAIN = {
    "missing_scope": "Slack search is not set up: the app lacks the search:read.public "
                     "permission (ask whoever runs the bot to add it and reinstall the app)",
    "not_allowed": "Slack search is not allowed for this app or workspace",
    "ratelimited": "Slack's search limit was reached; try again in a minute",
    "busy": "Slack search is busy (its limit of about 10 searches a minute in this workspace "
            "was reached); try again in a minute",
    "timeout": f"Slack search took longer than {TIMEOUT:g} seconds and was given up",
}


@dataclass(frozen=True)
class SearchOutcome:
    """What goes back to Claude as the tool_result, and what the progress line says."""

    content: list[dict] | str
    is_error: bool = False
    count: int = 0  # messages found
    reason: str | None = None  # plain words when it failed

    def tool_result(self, tool_use_id: str) -> dict:
        result = {"type": "tool_result", "tool_use_id": tool_use_id, "content": self.content}
        return {**result, "is_error": True} if self.is_error else result


def failed(reason: str) -> SearchOutcome:
    return SearchOutcome(f"The search failed: {reason}.", True, reason=reason)


class SearchPacer:
    """The workspace's search budget (about 10 a minute), shared by all of its answers: a
    search takes a slot of the last 60 s; after a 429 nobody searches until Retry-After.
    The sliding window and the pause are the edit governor's EditBudget, one per workspace."""

    def __init__(self, per_minute: int = PER_MINUTE, clock=time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._budgets = Governors(lambda _team: EditBudget(per_minute, window=60.0))

    def wait_needed(self, team: str) -> float:
        """Seconds until `team` may search (0: now, and the slot is taken)."""
        budget, now = self._budgets.for_team(team), self.clock()
        if (at := budget.ready_at(now)) > now:
            return at - now
        budget.spend(now)
        return 0.0

    def block(self, team: str, seconds: float) -> None:
        self._budgets.for_team(team).pause(self.clock() + seconds)

    async def limited(self, team: str, seconds: float) -> None:
        """Slack said 429: nobody in the workspace searches for `seconds`."""
        self.block(team, seconds)

    async def _wait(self, team: str) -> float:
        return self.wait_needed(team)

    async def take(self, team: str, max_wait: float = MAX_WAIT) -> bool:
        """Wait for a slot up to `max_wait` seconds; False when there is none by then."""
        deadline = self.clock() + max_wait
        while (wait := await self._wait(team)) > 0:
            if self.clock() + wait > deadline:
                return False
            await asyncio.sleep(wait)
        return True


def _title(message: dict) -> str:
    channel = message.get("channel_name") or message.get("channel_id") or "?"
    author = message.get("author_name") or message.get("author_user_id") or "someone"
    try:
        day = datetime.fromtimestamp(float(message.get("message_ts") or 0), UTC)
        when = f" · {day:%Y-%m-%d}"
    except (ValueError, OverflowError, OSError):
        when = ""
    return f"#{channel} · {author}{when}"


def _in_thread(message: dict, thread: tuple[str, str] | None) -> bool:
    if thread is None or message.get("channel_id") != thread[0]:
        return False
    return message.get("message_ts") == thread[1] \
        or f"thread_ts={thread[1]}" in str(message.get("permalink"))


def search_results(messages: list[dict], thread: tuple[str, str] | None = None) -> list[dict]:
    """Slack's messages → search_result blocks. Left out: a message without text or link, and
    the messages of the conversation's own `thread` (channel, ts), which Claude already has."""
    blocks = []
    for message in messages:
        text = decode_slack_text(str(message.get("content") or ""))
        if text and message.get("permalink") and not _in_thread(message, thread):
            blocks.append({"type": "search_result", "source": message["permalink"],
                           "title": _title(message), "citations": {"enabled": True},
                           "content": [{"type": "text", "text": text}]})
    return blocks


async def search_slack(slack: AsyncWebClient, pacer: SearchPacer, team: str, query: str,
                       action_token: str | None,
                       thread: tuple[str, str] | None = None) -> SearchOutcome:
    """Run one search for Claude; never raises for Slack's failures. `thread`: the
    conversation's own (channel, root ts), whose messages are left out."""
    query = query.strip() if isinstance(query, str) else ""
    if not query:
        return failed("the search had no query")
    if not await pacer.take(team):
        return failed(_PLAIN["busy"])
    token = {"action_token": action_token} if action_token else {}
    try:
        response = await asyncio.wait_for(slack.assistant_search_context(
            query=query[:500], channel_types=["public_channel"], content_types=["messages"],
            limit=LIMIT, **token), TIMEOUT)
    except TimeoutError:
        return failed(_PLAIN["timeout"])
    except SLACK_FAILURES as error:
        code = slack_error(error)
        if (wait := retry_after(error)) is not None:
            await pacer.limited(team, wait)
            code = "ratelimited"
        log.warning("Slack search failed: %s", code)
        return failed(_PLAIN.get(code, f"Slack answered {code}"))
    found = search_results(((response.get("results") or {}).get("messages")) or [], thread)
    if not found:
        return SearchOutcome("No Slack messages matched this search.")
    return SearchOutcome(found, count=len(found))
