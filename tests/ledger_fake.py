"""A stand-in for the usage ledger with the methods the policy calls (spend so far, record a
row, and the reports behind /claude usage): rows in memory."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from bot.ledger import UsageRow


@dataclass(frozen=True)
class Line:
    """One line of a report: a user, channel or model, its answers and cost."""

    key: str
    answers: int
    cost_usd: float


class FakeLedger:
    def __init__(self, *rows: UsageRow) -> None:
        self.rows: list[UsageRow] = list(rows)
        self.asked: list[tuple] = []  # every spent() call: (team, since, user, channel)

    def spent(self, team: str, since: datetime, *, user: str | None = None,
              channel: str | None = None) -> float:
        self.asked.append((team, since, user, channel))
        return sum(r.cost_usd or 0.0 for r in self.rows
                   if r.team == team and r.time >= since and user in (None, r.user)
                   and channel in (None, r.channel))

    async def record(self, row: UsageRow) -> None:
        self.rows.append(row)

    @property
    def refusals(self) -> list[UsageRow]:
        return [r for r in self.rows if r.outcome == "refused"]

    async def summary(self, team: str | None, since: datetime, until: datetime,
                      by: str = "user") -> list[Line]:
        answers: dict[str, int] = defaultdict(int)
        cost: dict[str, float] = defaultdict(float)
        for r in self.rows:
            if team in (None, r.team) and since <= r.time < until:
                answers[getattr(r, by)] += r.outcome != "refused"
                cost[getattr(r, by)] += r.cost_usd or 0.0
        return [Line(key, answers[key], cost[key]) for key in sorted(cost)]

    async def top(self, team: str | None, since: datetime, until: datetime, by: str,
                  limit: int = 5) -> list[Line]:
        lines = await self.summary(team, since, until, by)
        return sorted(lines, key=lambda line: (-line.cost_usd, line.key))[:limit]
