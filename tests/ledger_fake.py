"""A stand-in for the usage ledger with the two methods the policy calls: rows in memory."""

from __future__ import annotations

from datetime import datetime

from bot.ledger import UsageRow


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
