"""The edit budget holds as Slack counts it (when each call arrives), however late calls
arrive after their grant; and every message's blocks stay within Slack's total."""

import heapq
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.conversations import max_in_window
from bot.reply.governor import EditBudget, EditQueue, Ticket
from bot.reply.render import BLOCKS_LIMIT, message_payload, slice_room


def arrivals_under_load(lags: list[float], answers: int = 200, limit: int = 50) -> list[float]:
    """Final edits of `answers` answers through one queue, on a fake clock. The n-th granted
    call reaches Slack `lags[n % len(lags)]` seconds after its grant (a busy sender) and its
    response is back 0.1 s later, when the governor hears it is done."""
    queue = EditQueue(EditBudget(limit))
    queue.waiting += [Ticket(final=True) for _ in range(answers)]
    arrived, events, order = [], [(0.0, 0, None)], itertools.count(1)
    calls = itertools.count()
    while events:
        now, _, returned = heapq.heappop(events)
        if returned is not None:
            queue.budget.settle(returned.granted_at, now)
        granted, wake = queue.poll(now)
        for ticket in granted:
            lag = lags[next(calls) % len(lags)]
            arrived.append(now + lag)
            heapq.heappush(events, (now + lag + 0.1, next(order), ticket))
        if wake is not None and not any(at <= wake for at, _, _ in events):
            heapq.heappush(events, (wake, next(order), None))
    assert len(arrived) == answers
    return arrived


def test_late_arrivals_never_exceed_the_budget_in_any_window():
    # As measured with 200 conversations on a busy machine: batches reaching Slack over ~9 s.
    arrived = arrivals_under_load([0.0, 3.0, 6.0, 9.0])
    assert max_in_window(arrived) <= 50


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 15), min_size=1, max_size=20))
def test_the_budget_holds_whatever_the_lag(lags):
    assert max_in_window(arrivals_under_load(lags, answers=120, limit=20)) <= 20


def test_a_returned_call_counts_from_its_return():
    budget = EditBudget(1, window=60)
    budget.spend(0.0)
    assert budget.ready_at(1.0) == 60.0  # in flight: dated from its grant
    budget.settle(0.0, 9.0)
    assert budget.ready_at(10.0) == 69.0  # back at 9 s: Slack may have counted it then


@given(st.integers(0, 3_000), st.lists(st.integers(0, 3_000), max_size=3),
       st.integers(0, 400))
def test_a_full_message_with_everything_around_it_fits(header, notices, footer):
    header_text = "h" * header or None
    notice_texts = tuple("n" * n for n in notices)
    footer_text = "f" * footer or None
    room = slice_room(header_text, notice_texts, footer_text)
    payload = message_payload("word " * (room // 5), notices=notice_texts, footer=footer_text,
                              header=header_text)
    total = sum(len(b["text"]) if isinstance(b.get("text"), str) else
                len((b.get("text") or {}).get("text", "")) +
                sum(len(e["text"]) for e in b.get("elements", ())) for b in payload["blocks"])
    extras = sum(min(n, 3_000) for n in (header, *notices, footer))
    assert total <= max(BLOCKS_LIMIT, extras + room + 10)
    if extras <= BLOCKS_LIMIT - 1_200:  # anything a real answer carries
        assert total <= BLOCKS_LIMIT < 11_300
