"""The workspace-wide `chat.update` budget.

Slack allows about 50 `chat.update` calls a minute per workspace for the whole app, so every
answer in a workspace asks one shared governor before each edit. `EditBudget` and `EditQueue`
are pure clock logic (unit-tested with a fake clock); `WorkspaceGovernor` only turns their
decisions into awaited futures and one timer.

Slack counts a call when it arrives, which under load can be seconds after the governor
granted it. So a call's slot is dated from its grant until its response has returned (`done`),
then from that moment: whatever the delay, no window Slack can see holds more than the budget.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.slack_errors import SLACK_FAILURES, retry_after

G = TypeVar("G")
T = TypeVar("T")

# Slack's window and ours are not measured on the same clock; a small margin keeps us inside.
WINDOW_SECONDS = 60.5


class EditBudget:
    """At most `limit` calls in any `window` seconds: a sliding log of the calls made."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS):
        self.limit = limit
        self.window = window
        self._sent: deque[float] = deque()
        self.paused_until = float("-inf")

    def load(self, sent: list[float], paused_until: float) -> None:
        """Take the window as another source (Redis) knows it."""
        self._sent = deque(sorted(sent))
        self.paused_until = paused_until

    def ready_at(self, now: float, keep_free: int = 0) -> float:
        """The earliest time a call may go out and still leave `keep_free` calls of the
        window unused (infinity while that is impossible)."""
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        allowed = self.limit - keep_free
        if allowed <= 0:
            return float("inf")
        at = max(now, self.paused_until)
        if len(self._sent) >= allowed:
            at = max(at, self._sent[len(self._sent) - allowed] + self.window)
        return at

    def capacity(self, now: float, horizon: float) -> int:
        """How many calls the window allows from `now` until `now + horizon` (at most one
        window ahead): the free slots, and the slots that leave the window by then."""
        self.ready_at(now)  # drops what has left the window
        if self.paused_until > now + horizon:
            return 0
        end = now + min(horizon, self.window)
        leaving = bisect.bisect_right(self._sent, end - self.window)
        return max(0, self.limit - len(self._sent)) + leaving

    def spend(self, now: float) -> None:
        self._sent.append(now)

    def settle(self, granted_at: float, now: float) -> None:
        """The call granted at `granted_at` has returned: date its slot `now` instead, the
        latest moment Slack may have counted it."""
        index = bisect.bisect_left(self._sent, granted_at)
        if index < len(self._sent) and self._sent[index] == granted_at:
            del self._sent[index]
            bisect.insort(self._sent, now)

    def pause(self, until: float) -> None:
        """Slack answered 429: nothing goes out before `until`."""
        self.paused_until = max(self.paused_until, until)


_order = itertools.count()


@dataclass(eq=False)
class Ticket:
    """One answer's place in the queue, reused for each of its edits."""

    final: bool = False  # a final edit: first in line, may use the reserve
    not_before: float = 0.0  # the per-message interval since its last edit
    served: int = 0
    last_turn: int = -1  # when it was last served, counted in grants (ties never happen)
    granted_at: float | None = None  # its call in flight: granted then, not yet returned
    slot: str | None = None  # that call's entry in a shared (Redis) window
    seq: int = field(default_factory=lambda: next(_order))


class EditQueue:
    """Who edits next. Every answer in flight (`open`) holds a reservation for its final edit,
    so intermediate edits only spend what is left after those (and a tenth of the budget kept
    for answers about to start); final edits go first, then
    answers that show no text yet, then the one served longest ago (a long answer cannot
    starve a short one)."""

    def __init__(self, budget: EditBudget):
        self.budget = budget
        # Kept free of intermediate edits too, for answers that start in the next moments.
        self.headroom = budget.limit // 10
        self.waiting: list[Ticket] = []
        self.open: set[Ticket] = set()
        self.open_elsewhere = 0  # answers in flight in other processes (shared budget)
        self._turns = itertools.count()

    @staticmethod
    def _priority(t: Ticket) -> tuple:
        return (not t.final, t.served > 0, t.last_turn, t.seq)

    def _best_ready(self, now: float) -> Ticket | None:
        ready = [t for t in self.waiting if t.final or t.not_before <= now]
        return min(ready, key=self._priority, default=None)

    def ready_at(self, t: Ticket, now: float, ahead: int = 0) -> float:
        """When `t`'s edit may go, budget-wise, with `ahead` calls to go before it."""
        reserved = len(self.open | {t}) + self.open_elsewhere + self.headroom
        return self.budget.ready_at(now, ahead + (0 if t.final else reserved))

    def poll(self, now: float) -> tuple[list[Ticket], float | None]:
        """Grant every ticket that may go now, best first; say when to poll again."""
        granted = []
        while (best := self._best_ready(now)) is not None and self.ready_at(best, now) <= now:
            self.budget.spend(now)
            best.served += 1
            best.last_turn = next(self._turns)
            best.granted_at = now
            self.waiting.remove(best)
            granted.append(best)
        wakes = [t.not_before for t in self.waiting if not t.final and t.not_before > now]
        if best is not None:
            wakes.append(self.ready_at(best, now))
        wake = min(wakes, default=float("inf"))
        return granted, wake if wake != float("inf") else None


class WorkspaceGovernor:
    """The async face of one workspace's EditQueue."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.queue = EditQueue(EditBudget(per_minute))
        self.clock = clock
        self._futures: dict[Ticket, asyncio.Future] = {}
        self._timer: asyncio.TimerHandle | None = None

    async def open(self, ticket: Ticket) -> None:
        """An answer started: keep one edit of the budget for its final edit."""
        self.queue.open.add(ticket)

    async def close(self, ticket: Ticket) -> None:
        """An answer is done: its reservation goes back to the others."""
        self.queue.open.discard(ticket)
        self._poll()

    async def try_acquire(self, ticket: Ticket) -> bool:
        """Take one call now if the budget has room for it, without waiting for one."""
        future = asyncio.get_running_loop().create_future()
        self._futures[ticket] = future
        self.queue.waiting.append(ticket)
        self._poll()
        await self._polled()
        if future.done():
            return True
        self._futures.pop(ticket, None)
        if ticket in self.queue.waiting:
            self.queue.waiting.remove(ticket)
        return False

    async def _polled(self) -> None:
        """Wait for the poll just asked for to be decided (it already is, here)."""

    async def refresh(self) -> None:
        """See the budget as it is now (another process may have spent some of it)."""
        self._poll()
        await self._polled()

    async def acquire(self, ticket: Ticket) -> None:
        """Wait until `ticket` may send one `chat.update`."""
        future = asyncio.get_running_loop().create_future()
        self._futures[ticket] = future
        self.queue.waiting.append(ticket)
        self._poll()
        try:
            await future
        finally:
            if not future.done() or future.cancelled():
                self._futures.pop(ticket, None)
                if ticket in self.queue.waiting:
                    self.queue.waiting.remove(ticket)

    async def done(self, ticket: Ticket) -> None:
        """The call granted to `ticket` has returned (or failed): its slot now dates from
        this moment, so the window holds as Slack counts it."""
        if ticket.granted_at is None:
            return
        self.queue.budget.settle(ticket.granted_at, self.clock())
        ticket.granted_at = None
        self._poll()

    def promote(self, ticket: Ticket) -> None:
        """A waiting intermediate edit became the final one."""
        ticket.final = True
        if ticket in self._futures:
            self._poll()

    async def pause(self, seconds: float) -> None:
        """Slack answered 429 with Retry-After `seconds`: the whole workspace waits."""
        self.queue.budget.pause(self.clock() + seconds)
        self._poll()

    def _poll(self) -> None:
        now = self.clock()
        granted, wake = self.queue.poll(now)
        self._grant(granted)
        self._wake_at(wake, now)

    def _grant(self, tickets: list[Ticket]) -> None:
        for ticket in tickets:
            future = self._futures.pop(ticket, None)
            if future is not None and not future.done():
                future.set_result(None)

    def _wake_at(self, wake: float | None, now: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if wake is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(max(0.0, wake - now), self._poll)


async def in_turn(budget: WorkspaceGovernor, ticket: Ticket, call: Callable[[], Awaitable[T]]
                  ) -> T:
    """`call()`, one Slack call in `ticket`'s turn of `budget`. A 429 pauses the budget for as
    long as Slack asked before the slot is given back (so no call waiting its turn goes out
    meanwhile); the failure is raised."""
    await budget.acquire(ticket)
    try:
        return await call()
    except SLACK_FAILURES as error:
        if (wait := retry_after(error)) is not None:
            await budget.pause(wait)
        raise
    finally:
        await budget.done(ticket)


class Governors(Generic[G]):
    """One governor (or set of them) per workspace, created on first use by `make(team)`."""

    def __init__(self, make: Callable[[str], G]):
        self.make = make
        self._by_team: dict[str, G] = {}

    def for_team(self, team: str) -> G:
        if team not in self._by_team:
            self._by_team[team] = self.make(team)
        return self._by_team[team]

    def all(self) -> list[G]:
        return list(self._by_team.values())
