"""Delivery beyond the edit budget, mixed into the reply writer (routes.py decides, this acts).

- A question arriving when the workspace is saturated gets Slack's thread status ("is
  thinking…") instead of a placeholder; Slack clears it when the answer is posted, and drops
  it after two minutes without a reply, so a long answer renews it
  (docs.slack.dev/reference/methods/assistant.threads.setStatus).
- A tool call whose progress line can't be edited into the message within STEP_SOON (the
  edit budget is spent), or that has no message yet, is shown in the thread status ("is
  searching the web for …"): setStatus is in Slack's "special" tier, far above chat.update's
  50 a minute (java-slack-sdk's SpecialTier_assistant_threads_setStatus). A status set
  beside a placeholder is cleared once the answer is delivered (an edit doesn't clear it, a
  post does).
- A finished answer whose final edit would wait is posted as new, complete messages (text,
  notices, footer, feedback) from the first message Slack shows out of date on, and the old
  ones are deleted in the chat.delete budget's turn (cleanup.py).
Answers in a thread only: a /claude answer's first message is the channel's own (the edit
path, as before)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.reply.routes import FINAL_WAIT, final_by_edit, room_for_placeholder, step_edit_soon
from bot.slack_errors import SLACK_FAILURES, slack_error

log = logging.getLogger(__name__)

STATUS = "is thinking…"
STATUS_RENEW = 100.0  # seconds: Slack drops a status after two minutes without a reply
POST_ATTEMPTS = 4


class Rerouting:
    """Needs from the writer: client, channel, thread_ts, governor, budgets, parts, steps,
    interval, _last_edit, _ticket, _pump, _run, _stale_parts, _anew, _cut_smaller and _post."""

    _status_task: asyncio.Task | None = None  # renews the status
    _status_wanted: str | None = None  # None: the answer never used the thread status
    _status_shown: str | None = None
    _status_sender: asyncio.Task | None = None

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
            await self._set_status(STATUS)
        except SLACK_FAILURES as error:
            log.info("thread status refused in %s (%s): posting a placeholder", self.channel,
                     slack_error(error))
            return False
        self._status_wanted = self._status_shown = STATUS
        self._status_task = asyncio.create_task(self._renew_status(),
                                                name=f"status {self.channel}")
        return True

    async def _set_status(self, status: str) -> None:
        await self.client.assistant_threads_setStatus(channel_id=self.channel,
                                                      thread_ts=self.thread_ts, status=status)

    async def _renew_status(self) -> None:
        while True:
            await asyncio.sleep(STATUS_RENEW)
            with contextlib.suppress(*SLACK_FAILURES):
                await self._set_status(self._status_shown or STATUS)

    def _show_step(self) -> None:
        """A tool call started or ended: the thread status shows the call running (or "is
        thinking…" between calls) while its progress line can't be edited in soon."""
        if not self._reroutes or self._final is not None:
            return
        running = next((s for s in reversed(self.steps) if s.status == "in_progress"), None)
        if self.parts and self._status_wanted is None and (running is None or step_edit_soon(
                self.governor.queue, self._ticket, self._last_edit + self.interval,
                self.governor.clock())):
            return
        self._status_wanted = running.doing if running else STATUS
        if self._status_task is None:
            self._status_task = asyncio.create_task(self._renew_status(),
                                                    name=f"status {self.channel}")
        if self._status_sender is None or self._status_sender.done():
            self._status_sender = asyncio.create_task(self._send_status(),
                                                      name=f"step status {self.channel}")

    async def _send_status(self) -> None:
        """Bring the status to the latest wanted (calls in order, the stale ones skipped)."""
        while self._status_wanted != self._status_shown:
            wanted = self._status_wanted
            try:
                await self._set_status(wanted)
            except SLACK_FAILURES as error:  # the message's progress line still shows it
                log.info("thread status refused in %s: %s", self.channel, slack_error(error))
                return
            self._status_shown = wanted

    async def _settle_status(self) -> None:
        """The answer is delivered: no status call is left in flight, and one set beside a
        placeholder is cleared."""
        self._end_status()
        if self._status_sender is not None:
            await asyncio.wait([self._status_sender])
        if self._status_wanted is not None and self.parts:
            with contextlib.suppress(*SLACK_FAILURES):
                await self._set_status("")

    def _end_status(self) -> None:
        if self._status_task is not None:
            self._status_task.cancel()
            self._status_task = None

    async def _post_answer(self) -> None:
        """The answer of a thread that showed only the status: posted whole, retried."""
        if self._status_sender is not None:
            await asyncio.wait([self._status_sender])  # never after the answer (it'd show)
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
