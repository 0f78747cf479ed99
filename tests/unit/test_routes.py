"""Which way answers reach Slack in a busy workspace, and the per-channel posting pace: pure
clock logic on a fake clock."""

from bot.reply.governor import EditBudget, EditQueue, Ticket
from bot.reply.pace import ChannelPace
from bot.reply.routes import final_by_edit, room_for_placeholder, step_edit_soon


def queues(limit: int = 50) -> tuple[EditQueue, EditQueue]:
    return EditQueue(EditBudget(limit, window=60)), EditQueue(EditBudget(limit, window=60))


def test_capacity_counts_free_slots_and_those_leaving_the_window():
    budget = EditBudget(3, window=60)
    budget.spend(0.0)
    budget.spend(30.0)
    assert budget.capacity(10.0, horizon=10) == 1  # one free; nothing leaves by 20 s
    assert budget.capacity(10.0, horizon=50) == 2  # the call of 0 s leaves at 60 s
    assert budget.capacity(10.0, horizon=500) == 2  # counted one window ahead at most
    budget.pause(100.0)
    assert budget.capacity(10.0, horizon=60) == 0


def test_a_quiet_workspace_always_gets_a_placeholder_and_its_final_edit():
    edits, deletes = queues()
    assert room_for_placeholder(edits, deletes, 0.0)
    ticket = Ticket(final=True)
    edits.open.add(ticket)
    assert final_by_edit(edits, ticket, 0.0)


def test_placeholders_stop_when_the_next_minute_cannot_end_them():
    edits, deletes = queues(limit=10)  # headroom: one call of each budget
    for _ in range(17):
        edits.open.add(Ticket())  # 17 answers in flight, each owing a final edit or a delete
    assert room_for_placeholder(edits, deletes, 0.0)  # 18 owed ≤ 9 + 9
    edits.open.add(Ticket())
    assert not room_for_placeholder(edits, deletes, 0.0)
    for t in list(edits.open)[:5]:
        edits.open.discard(t)  # five answers ended by edits, spending the window
        edits.budget.spend(1.0)
    assert not room_for_placeholder(edits, deletes, 2.0)  # 14 owed > 4 + 9 in 30 s
    assert room_for_placeholder(edits, deletes, 61.5)  # the window has emptied again


def test_other_processes_answers_count_too():
    edits, deletes = queues(limit=10)
    edits.open_elsewhere = 18
    assert not room_for_placeholder(edits, deletes, 0.0)


def test_a_final_edit_that_would_wait_goes_another_way():
    edits, _ = queues(limit=3)
    for at in (0.0, 1.0, 2.0):
        edits.budget.spend(at)
    ticket = Ticket(final=True)
    assert not final_by_edit(edits, ticket, 5.0)  # the next slot frees at 60 s
    assert final_by_edit(edits, ticket, 58.5)  # ...within two seconds of 58.5 s
    edits.waiting.append(Ticket(final=True))  # one more final ahead of it
    assert not final_by_edit(edits, ticket, 58.5)
    assert final_by_edit(edits, ticket, 59.5)


def test_a_paused_budget_sends_finals_another_way():
    edits, _ = queues()
    edits.budget.pause(30.0)
    assert not final_by_edit(edits, Ticket(final=True), 0.0)


def test_posts_in_a_channel_go_in_a_burst_then_one_a_second():
    pace = ChannelPace(burst=3, per_second=1.0)
    waits = [pace.delay("C1", 0.0) for _ in range(6)]
    assert waits == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]
    assert pace.delay("C2", 0.0) == 0.0  # each channel on its own
    assert pace.delay("C1", 10.0) == 0.0  # refilled


def test_the_pace_forgets_idle_channels():
    pace = ChannelPace(burst=1)
    for n in range(10_001):
        pace.delay(f"C{n}", float(n))
    assert len(pace._buckets) < 10


def test_a_progress_edit_is_soon_while_the_budget_has_room_and_the_interval_is_over():
    edits, _ = queues(limit=3)
    mine = Ticket()
    edits.open.add(mine)
    assert step_edit_soon(edits, mine, not_before=0.0, now=10.0)
    assert not step_edit_soon(edits, mine, not_before=11.0, now=10.0)  # the interval
    for _ in range(2):
        edits.budget.spend(10.0)
    assert not step_edit_soon(edits, mine, not_before=0.0, now=10.0)  # the final is owed
