"""`/claude usage`: what you spent today and this month against your limits; for admins also
the workspace's month, with a breakdown from the ledger's report queries."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from bot.policy.decide import Spent, day_bounds, dollars, month_bounds, reset_time
from bot.policy.rules import Policy

log = logging.getLogger(__name__)

REPORT_SECONDS = 2.0  # the slash command's answer is due within 3 s
NO_LEDGER = ":information_source: Usage is not recorded by this bot, so there is nothing to show."


@dataclass(frozen=True)
class Breakdown:
    """The workspace's period in figures, for admins (from the ledger's reports)."""

    answers: int
    people: list[tuple[str, float]]  # (user, USD), most first
    channels: list[tuple[str, float]]
    models: list[tuple[str, float]]


def _against(used: float, limit: float | None, end: datetime, policy: Policy) -> str:
    if limit is None:
        return f"{dollars(used)} (no limit)"
    return f"{dollars(used)} of {dollars(limit)} (resets {reset_time(end, policy.timezone)})"


def breakdown_lines(breakdown: Breakdown, top: int = 5) -> list[str]:
    def listed(pairs: list[tuple[str, float]], show) -> str:
        return ", ".join(f"{show(key)} {dollars(cost)}" for key, cost in pairs[:top]) or "none"

    return [f"Answers: {breakdown.answers:,}",
            f"Top people: {listed(breakdown.people, lambda u: f'<@{u}>')}",
            f"Top channels: {listed(breakdown.channels, lambda c: f'<#{c}>')}",
            f"Models: {listed(breakdown.models, lambda m: f'`{m}`')}"]


def usage_text(policy: Policy, spent: Spent | None, team: str, user: str, now: datetime,
               breakdown: Breakdown | None = None) -> str:
    """Your spend against your limits; for admins the workspace's month too, with `breakdown`
    when the ledger's reports answered."""
    if spent is None:
        return NO_LEDGER
    day_start, day_end = day_bounds(now, policy.timezone)
    month_start, month_end = month_bounds(now, policy.timezone)
    limits = policy.limits
    today = _against(spent(team, day_start, user=user), limits.user_daily, day_end, policy)
    month = _against(spent(team, month_start, user=user), limits.user_monthly, month_end,
                     policy)
    lines = ["*Your Claude usage*", f"Today: {today}", f"This month: {month}"]
    if user in policy.admins:
        workspace = spent(team, month_start)
        lines += ["", "*This workspace, this month*",
                  f"Spent: {_against(workspace, limits.workspace_monthly, month_end, policy)}"]
        if breakdown is not None:
            lines += breakdown_lines(breakdown)
    return "\n".join(lines)


async def workspace_breakdown(ledger, team: str, since: datetime,
                              until: datetime) -> Breakdown | None:
    """Answers, top people, top channels and models in [since, until), for admins, from the
    ledger's report queries (`top`, `summary`); None when the database does not answer in
    time (the slash command must be answered within 3 seconds)."""
    try:
        async with asyncio.timeout(REPORT_SECONDS):
            people = await ledger.top(team, since, until, "user")
            channels = await ledger.top(team, since, until, "channel")
            models = await ledger.summary(team, since, until, "model")
    except Exception as error:  # a report is a nicety: /claude usage still answers
        log.warning("usage report unavailable (%s)", type(error).__name__)
        return None
    return Breakdown(answers=sum(m.answers for m in models),
                     people=[(p.key, p.cost_usd) for p in people],
                     channels=[(c.key, c.cost_usd) for c in channels],
                     models=sorted(((m.key, m.cost_usd) for m in models),
                                   key=lambda pair: -pair[1]))
