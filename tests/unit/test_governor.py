"""The edit governor's pure clock logic, driven by a fake clock."""

import asyncio

from bot.reply.governor import EditBudget, EditQueue, Ticket, WorkspaceGovernor


def run(queue: EditQueue, until: float, on_grant) -> None:
    """Advance a fake clock to `until`, polling whenever the queue asks to be woken."""
    now = 0.0
    while now < until:
        granted, wake = queue.poll(now)
        for ticket in granted:
            on_grant(now, ticket)
        if not granted:
            if wake is None:
                return
            now = max(wake, now)


def test_budget_never_exceeds_the_limit_in_any_window():
    budget = EditBudget(10, window=60)
    sent, now = [], 0.0
    while now < 300:
        now = budget.ready_at(now)
        budget.spend(now)
        sent.append(now)
    for i, t in enumerate(sent):
        assert sum(1 for s in sent[i:] if s < t + 60) <= 10
    assert len(sent) >= 50  # and it does use the budget


def test_pause_after_429_holds_everything():
    budget = EditBudget(50)
    budget.pause(5.0)
    assert budget.ready_at(1.0) == 5.0


def test_keep_free_leaves_room_and_can_block_entirely():
    budget = EditBudget(5, window=60)
    for _ in range(3):
        budget.spend(0.0)
    assert budget.ready_at(1.0, keep_free=1) == 1.0
    assert budget.ready_at(1.0, keep_free=2) == 60.0  # only when the first call leaves
    assert budget.ready_at(1.0, keep_free=5) == float("inf")


def test_each_answer_in_flight_keeps_a_final_edit_in_reserve():
    queue = EditQueue(EditBudget(4, window=60))
    answers = [Ticket() for _ in range(3)]
    queue.open.update(answers)
    queue.waiting += answers
    granted, _ = queue.poll(0.0)
    assert len(granted) == 1  # 4 calls, 3 kept for the finals: one intermediate edit
    for t in answers:
        t.final = True
        queue.waiting.append(t) if t not in queue.waiting else None
    granted, _ = queue.poll(0.1)
    assert len(granted) == 3  # every final edit still fits the window


def test_more_answers_than_budget_means_finals_only():
    queue = EditQueue(EditBudget(2, window=60))
    answers = [Ticket() for _ in range(5)]
    queue.open.update(answers)
    queue.waiting += answers
    assert queue.poll(0.0) == ([], None)  # no intermediate edit can be afforded
    answers[0].final = True
    granted, _ = queue.poll(0.0)
    assert granted == [answers[0]]


def test_final_edits_go_first():
    queue = EditQueue(EditBudget(2, window=60))
    waiting, final = Ticket(), Ticket(final=True)
    queue.waiting += [waiting, final]
    granted, wake = queue.poll(0.0)
    assert granted == [final] and wake == 60.0


def test_answers_without_visible_text_come_before_busy_ones():
    queue = EditQueue(EditBudget(50, window=60))
    busy, fresh = Ticket(served=7, last_turn=3), Ticket()
    queue.waiting += [busy, fresh]
    granted, _ = queue.poll(0.0)
    assert granted[0] is fresh


def test_interval_per_message_is_respected():
    queue = EditQueue(EditBudget(50, window=60))
    t = Ticket(not_before=2.5)
    queue.waiting.append(t)
    granted, wake = queue.poll(0.0)
    assert granted == [] and wake == 2.5
    assert queue.poll(2.5)[0] == [t]


def test_long_answers_cannot_starve_short_ones_and_the_window_holds():
    """Twenty answers asking for an edit every second share the budget evenly."""
    queue = EditQueue(EditBudget(50, window=60))
    tickets = [Ticket() for _ in range(20)]
    queue.open.update(tickets)
    queue.waiting += tickets
    counts, sent = dict.fromkeys(map(id, tickets), 0), []

    def granted(now, ticket):
        counts[id(ticket)] += 1
        sent.append(now)
        ticket.not_before = now + 1.0
        queue.waiting.append(ticket)

    run(queue, 3000, granted)
    assert max(counts.values()) - min(counts.values()) <= 1
    assert all(sum(1 for s in sent[i:] if s < t + 60) <= 30 for i, t in enumerate(sent))


async def test_governor_grants_at_the_right_time_and_releases_reservations():
    clock = [0.0]
    governor = WorkspaceGovernor(1, clock=lambda: clock[0])
    first, second = Ticket(final=True), Ticket()
    await governor.open(second)
    await governor.acquire(first)  # the one call of the window
    waiting = asyncio.create_task(governor.acquire(second))
    await asyncio.sleep(0)
    assert not waiting.done()  # its own final edit is reserved: no intermediate possible
    governor.promote(second)
    clock[0] = 61.0
    await governor.pause(0)  # any poll re-checks the queue
    await asyncio.wait_for(waiting, 1)
    await governor.close(second)
    assert governor.queue.open == set()
