"""Placeholders left behind when their answer was posted anew are deleted. chat.delete is
Tier 3 (50+ a minute per workspace, docs.slack.dev/reference/methods/chat.delete): a budget of
its own, so each deletion waits its turn in a governor of its own and is retried; a placeholder
Slack will not delete is edited, in its turn of the edit budget, to point at the answer."""

from __future__ import annotations

import asyncio
import functools
import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.reply.governor import Ticket, WorkspaceGovernor, in_turn
from bot.slack_errors import SLACK_FAILURES, retry_after, slack_error

log = logging.getLogger(__name__)

ATTEMPTS = 6
POINTER = "_The answer is in the next message._"
_GONE = {"message_not_found"}


class Cleanup:
    def __init__(self, deletes: WorkspaceGovernor):
        self.deletes = deletes
        self._tasks: set[asyncio.Task] = set()

    async def remove(self, client: AsyncWebClient, channel: str, ts: str,
                     edits: WorkspaceGovernor) -> None:
        """Delete the message `ts` in its turn (returns at once; from now on it counts among
        the calls the workspace owes)."""
        ticket = Ticket(final=True)  # no reservations here: every deletion is a last call
        await self.deletes.open(ticket)
        task = asyncio.create_task(self._remove(client, channel, ts, edits, ticket),
                                   name=f"delete {channel} {ts}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _remove(self, client: AsyncWebClient, channel: str, ts: str,
                      edits: WorkspaceGovernor, ticket: Ticket) -> None:
        try:
            for attempt in range(ATTEMPTS):
                try:
                    await in_turn(self.deletes, ticket, functools.partial(
                        client.chat_delete, channel=channel, ts=ts))
                    return
                except SLACK_FAILURES as failure:
                    if slack_error(failure) in _GONE:
                        return
                    log.info("could not delete a placeholder in %s: %s", channel,
                             slack_error(failure))
                    if retry_after(failure) is None:  # a 429 paused the budget already
                        await asyncio.sleep(0.5 * 2 ** attempt)
            await self._point(client, channel, ts, edits)
        finally:
            await self.deletes.close(ticket)

    @staticmethod
    async def _point(client: AsyncWebClient, channel: str, ts: str,
                     edits: WorkspaceGovernor) -> None:
        """The placeholder stays: it says where the answer is."""
        ticket = Ticket(final=True)
        await edits.acquire(ticket)
        try:
            await client.chat_update(channel=channel, ts=ts, text=POINTER, blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": POINTER}}])
        except SLACK_FAILURES as error:
            log.warning("a placeholder in %s stays as it is: %s", channel, slack_error(error))
        finally:
            await edits.done(ticket)

    async def drain(self, timeout: float) -> None:
        """Shutting down: give the deletions under way `timeout` seconds."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
