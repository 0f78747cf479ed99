"""Spend totals in memory: quarter-hour buckets, four ways, a 32-day window (pure)."""

from datetime import UTC, datetime, timedelta

from bot.ledger.totals import SpendTotals

MIDNIGHT_KOLKATA = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)  # 00:00 in UTC+05:30


def test_a_day_start_in_any_time_zone_is_exact():
    totals = SpendTotals()
    totals.add("T1", "U1", "C1", MIDNIGHT_KOLKATA - timedelta(seconds=1), 1.0)
    totals.add("T1", "U1", "C1", MIDNIGHT_KOLKATA, 2.0)
    totals.add("T1", "U1", "C1", MIDNIGHT_KOLKATA + timedelta(minutes=14), 4.0)
    assert totals.spent("T1", MIDNIGHT_KOLKATA) == 6.0
    assert totals.spent("T1", MIDNIGHT_KOLKATA - timedelta(minutes=15)) == 7.0


def test_narrowed_to_a_user_a_channel_or_both():
    totals = SpendTotals()
    since = MIDNIGHT_KOLKATA
    totals.add("T1", "U1", "C1", since, 1.0)
    totals.add("T1", "U1", "C2", since, 2.0)
    totals.add("T1", "U2", "C1", since, 4.0)
    totals.add("T2", "U1", "C1", since, 8.0)
    totals.add("T1", "U1", "C1", since, None)  # price unknown: nothing to count
    assert totals.spent("T1", since) == 7.0
    assert totals.spent("T1", since, user="U1") == 3.0
    assert totals.spent("T1", since, channel="C1") == 5.0
    assert totals.spent("T1", since, user="U1", channel="C1") == 1.0
    assert totals.spent("T3", since) == 0.0


def test_old_buckets_are_forgotten():
    totals = SpendTotals()
    totals.add("T1", "U1", "C1", MIDNIGHT_KOLKATA - timedelta(days=40), 1.0)
    totals.add("T1", "U1", "C1", MIDNIGHT_KOLKATA, 2.0)
    totals.forget_before(MIDNIGHT_KOLKATA - timedelta(days=32))
    assert totals.spent("T1", MIDNIGHT_KOLKATA - timedelta(days=60)) == 2.0


def test_a_new_row_counts_in_the_next_answer():
    totals = SpendTotals()
    totals.add("T1", "U1", "C1", MIDNIGHT_KOLKATA, 1.0)
    assert totals.spent("T1", MIDNIGHT_KOLKATA, user="U1") == 1.0
    totals.add("T1", "U1", "C9", MIDNIGHT_KOLKATA, 0.5)
    assert totals.spent("T1", MIDNIGHT_KOLKATA, user="U1") == 1.5
    assert totals.spent("T1", MIDNIGHT_KOLKATA) == 1.5
