"""Delivery beyond the edit budget, mixed into the reply writer (routes.py decides, this acts).

- A question arriving when the workspace is saturated gets Slack's thread status ("is
  thinking…") instead of a placeholder; Slack clears it when the answer is posted, and drops
  it after two minutes without a reply, so a long answer renews it
  (docs.slack.dev/reference/methods/assistant.threads.setStatus).
- A finished answer whose final edit would wait is posted as new, complete messages (text,
  notices, footer, feedback) from the first message Slack shows out of date on, and the old
  ones are deleted in the chat.delete budget's turn (cleanup.py).
Answers in a thread only: a /claude answer's first message is the channel's own (the edit
path, as before)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.reply.routes import FINAL_WAIT, final_by_edit, room_for_placeholder
from bot.slack_errors import SLACK_FAILURES, slack_error

log = logging.getLogger(__name__)

STATUS = "is thinking…"
STATUS_RENEW = 100.0  # seconds: Slack drops a status after two minutes without a reply
POST_ATTEMPTS = 4


class Rerouting:
    """Needs from the writer: client, channel, thread_ts, governor, budgets, parts, _ticket,
    _pump, _run, _stale_parts, _anew, _cut_smaller and _post."""

    _status_task: asyncio.Task | None = None

    @property
    def _reroutes(self) -> bool:
        return self.budgets is not None and self.thread_ts is not None

    async def _status_instead(self) -> bool:
        """Saturated: show the thread status rather than post a placeholder (True). Where
        Slack refuses the status, the placeholder goes up after all."""
        if not self._reroutes or room_for_placeholder(
                self.governor.queue, self.budgets.deletes.queue, self.governor.clock()):
            return False
        try:
            await self._set_status()
        except SLACK_FAILURES as error:
            log.info("thread status refused in %s (%s): posting a placeholder", self.channel,
                     slack_error(error))
            return False
        self._status_task = asyncio.create_task(self._renew_status(),
                                                name=f"status {self.channel}")
        return True

    async def _set_status(self) -> None:
        await self.client.assistant_threads_setStatus(channel_id=self.channel,
                                                      thread_ts=self.thread_ts, status=STATUS)

    async def _renew_status(self) -> None:
        while True:
            await asyncio.sleep(STATUS_RENEW)
            with contextlib.suppress(*SLACK_FAILURES):
                await self._set_status()

    def _end_status(self) -> None:
        if self._status_task is not None:
            self._status_task.cancel()
            self._status_task = None

    async def _post_answer(self) -> None:
        """The answer of a thread that showed only the status: posted whole, retried."""
        try:
            for attempt in range(POST_ATTEMPTS):
                if await self._post_anew():
                    return
                await asyncio.sleep(0.5 * 2 ** attempt)
            log.warning("an answer could not be posted in %s", self.channel)
        finally:
            self._end_status()

    async def _turn(self) -> bool:
        """Wait for the next edit's turn. A finished answer whose final edit would wait is
        posted anew instead (False: nothing is left to edit)."""
        if self._final is None or not self._reroutes:
            await self.governor.acquire(self._ticket)
            return True
        if await self._final_turn():
            return True
        if await self._post_anew():
            return False
        await self.governor.acquire(self._ticket)  # Slack refused the new message: edited in
        return True

    async def _final_turn(self) -> bool:
        """The final edit's turn, when it comes within FINAL_WAIT seconds."""
        governor = self.governor
        await governor.refresh()
        if not final_by_edit(governor.queue, self._ticket, governor.clock()):
            return False
        try:
            await asyncio.wait_for(governor.acquire(self._ticket), FINAL_WAIT + 1)
        except TimeoutError:
            await governor.done(self._ticket)  # granted as the wait ran out: not used
            return False
        return True

    async def _reconsider(self) -> None:
        """The answer ended while an intermediate edit waited its turn: that wait is given
        up, so the final edit's way is decided afresh."""
        if not self._reroutes or self._pump is None or \
                self._ticket not in self.governor.queue.waiting:
            return
        self._pump.cancel()
        await asyncio.wait([self._pump])
        self._pump = asyncio.create_task(self._run(), name=f"writer {self.channel}")

    async def _post_anew(self) -> bool:
        """Post the answer from the first message Slack shows out of date on, as new complete
        messages, and have the old ones deleted. False: Slack refused a message (those
        already posted are deleted again, and the old ones stay)."""
        stale = self._stale_parts()
        first = stale[0] if stale else len(self.parts)
        if self.parts and first == len(self.parts):
            return True  # Slack shows it all already
        fresh, posted = self._anew(first), []
        try:
            for part in fresh:
                part.ts = (await self._post(part.shown))["ts"]
                posted.append(part)
        except SLACK_FAILURES as error:
            log.warning("could not post an answer anew in %s: %s", self.channel,
                        slack_error(error))
            self._cut_smaller(slack_error(error))  # for the next attempt, if that was why
            await self._delete([part.ts for part in posted])
            return False
        old, self.parts[first:] = self.parts[first:], fresh
        await self._delete([part.ts for part in old])
        self._end_status()
        return True

    async def _delete(self, messages: list[str]) -> None:
        for ts in messages:
            await self.budgets.cleanup.remove(self.client, self.channel, ts, self.governor)
