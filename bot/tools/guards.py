"""Who may have the company's tools (Slack search, MCP servers): never guests, never people of
other organisations, never in channels shared with other organisations. For those, the request
to Claude simply has no such tool.

A guest is who users.info says is restricted (`is_restricted`: multi-channel guest;
`is_ultra_restricted`: single-channel guest — docs.slack.dev/reference/methods/users.info),
looked up once per person and kept for an hour. When Slack cannot say (a missing users:read
scope, an error), the person is treated as a guest: the tools are withheld, never leaked."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_errors import SLACK_FAILURES, slack_error
from bot.tools.names import MCP_PREFIX, SLACK_SEARCH

log = logging.getLogger(__name__)

TTL = 3600.0  # seconds a person's guest status is kept
LOOKUP_TIMEOUT = 5.0


def is_company_tool(name: str) -> bool:
    return name == SLACK_SEARCH or name.startswith(MCP_PREFIX)


def offered(names: Iterable[str], *, outsiders: bool, guest: bool) -> tuple[str, ...]:
    """The tools an answer gets: the company's only for the organisation's own full members
    in its own channels."""
    allowed = not (outsiders or guest)
    return tuple(n for n in names if allowed or not is_company_tool(n))


class Guests:
    """users.info, once per person per hour (concurrent answers for one person share the
    lookup)."""

    def __init__(self, ttl: float = TTL, clock=time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._known: dict[str, tuple[bool, float]] = {}
        self._pending: dict[str, asyncio.Future[bool]] = {}

    async def is_guest(self, slack: AsyncWebClient, user: str) -> bool:
        known = self._known.get(user)
        if known is not None and self.clock() - known[1] < self.ttl:
            return known[0]
        if user in self._pending:
            return await asyncio.shield(self._pending[user])
        future = self._pending[user] = asyncio.get_running_loop().create_future()
        try:
            guest = await self._look_up(slack, user)
            future.set_result(guest)
            return guest
        finally:
            del self._pending[user]
            if not future.done():
                future.set_result(True)

    async def _look_up(self, slack: AsyncWebClient, user: str) -> bool:
        try:
            response = await asyncio.wait_for(slack.users_info(user=user), LOOKUP_TIMEOUT)
        except (*SLACK_FAILURES, TimeoutError) as error:
            log.warning("could not tell whether %s is a guest (%s): company tools withheld",
                        user, slack_error(error))
            return True  # not cached: the next answer asks again
        person = response.get("user") or {}
        guest = bool(person.get("is_restricted") or person.get("is_ultra_restricted"))
        self._known[user] = (guest, self.clock())
        return guest
