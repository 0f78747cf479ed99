"""Spend so far, in memory, so a limit check costs no database round trip (pure).

Costs are kept per 15-minute bucket for the last 32 days, summed four ways (the team; the team
and a user; the team and a channel; all three), so one query adds at most ~3,000 numbers
whatever the volume, and its answer is kept until a row for that key arrives. Every time
zone's midnight falls on a quarter hour, so day and month starts are bucket starts."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

BUCKET_SECONDS = 900
WINDOW = timedelta(days=32)  # covers any calendar month in any time zone

Key = tuple[str, str | None, str | None]  # team, user, channel


def bucket_of(when: datetime) -> int:
    return int(when.timestamp() // BUCKET_SECONDS)


class SpendTotals:
    def __init__(self) -> None:
        self._buckets: dict[Key, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        self._answers: dict[Key, dict[int, float]] = {}  # key → first bucket → spent

    def add(self, team: str, user: str, channel: str, when: datetime, cost: float | None) -> None:
        if not cost:
            return
        bucket = bucket_of(when)
        for key in ((team, None, None), (team, user, None), (team, None, channel),
                    (team, user, channel)):
            self._buckets[key][bucket] += cost
            self._answers.pop(key, None)

    def spent(self, team: str, since: datetime, user: str | None = None,
              channel: str | None = None) -> float:
        """USD since the start of `since`'s quarter hour."""
        key, first = (team, user, channel), bucket_of(since)
        answers = self._answers.setdefault(key, {})
        if first not in answers:
            buckets = self._buckets.get(key, {})
            answers[first] = sum(cost for bucket, cost in buckets.items() if bucket >= first)
        return answers[first]

    def forget_before(self, when: datetime) -> None:
        first = bucket_of(when)
        self._answers.clear()
        for key in list(self._buckets):
            buckets = self._buckets[key]
            for bucket in [b for b in buckets if b < first]:
                del buckets[bucket]
            if not buckets:
                del self._buckets[key]
