"""May this person ask here, and with which settings? (pure: the spend so far comes in as a
function). A refusal carries a reason code (the policy key behind it) and plain words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from bot.config import Settings
from bot.policy.rules import Policy
from bot.tools.choice import ToolChoice

# spent(team, since, *, user=None, channel=None) -> USD recorded since `since` (the ledger's)
Spent = Callable[..., float]

NO_ENTRY = ":no_entry_sign:"


@dataclass(frozen=True)
class Asker:
    """Who asks where, as the payload shows it."""

    team: str  # the installation's team
    user: str
    channel: str
    dm: bool = False
    external: bool = False  # the person belongs to another organisation (Slack Connect)
    shared: bool = False  # the channel is shared with another organisation


@dataclass(frozen=True)
class AnswerSettings:
    """What an answer in one channel is made with."""

    model: str
    max_tokens: int
    system_prompt: str | None  # appended to the built-in prompt
    request_tokens: int | None = None  # the largest input one answer may send
    tools: ToolChoice = field(default_factory=ToolChoice)


@dataclass(frozen=True)
class Refusal:
    reason: str  # the policy key that refused: "users", "dms", "user_daily", "request_tokens"…
    message: str  # plain words for the asker


@dataclass(frozen=True)
class Budget:
    """One spend limit as it applies to one question."""

    reason: str  # user_daily, user_monthly, channel_monthly, workspace_monthly
    amount: float
    start: datetime  # the period's first moment (aware)
    end: datetime  # when it resets
    user: str | None = None  # spend counted for this person only
    channel: str | None = None  # spend counted in this channel only


def answer_settings(policy: Policy, settings: Settings, channel: str) -> AnswerSettings:
    rules = policy.rules_for(channel)
    extra = [p for p in (settings.claude_system_prompt, rules.system_prompt) if p]
    request_tokens = rules.limits.request_tokens or policy.limits.request_tokens
    names = next(n for n in (rules.tools, policy.tools, settings.claude_tools) if n is not None)
    return AnswerSettings(model=rules.model or settings.claude_model,
                          max_tokens=rules.max_tokens or settings.claude_max_tokens,
                          system_prompt="\n\n".join(extra) or None,
                          request_tokens=request_tokens, tools=ToolChoice(names, policy.web))


def day_bounds(now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The local day around `now`: midnight to midnight in `zone` (23 or 25 h across DST)."""
    local = now.astimezone(zone).date()
    following = local + timedelta(days=1)
    return _utc(datetime(local.year, local.month, local.day, tzinfo=zone),
                datetime(following.year, following.month, following.day, tzinfo=zone))


def month_bounds(now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    local = now.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return _utc(start, datetime(year, month, 1, tzinfo=zone))


def _utc(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """In UTC, as the ledger stores time (and so that differences are real durations)."""
    return start.astimezone(UTC), end.astimezone(UTC)


def budgets(policy: Policy, asker: Asker, now: datetime) -> list[Budget]:
    """The limits that apply to this question. A channel's own limit replaces the global one
    there and counts spend in that channel only."""
    day = day_bounds(now, policy.timezone)
    month = month_bounds(now, policy.timezone)
    own = policy.rules_for(asker.channel).limits
    found = []
    for reason, period, user, channel in (
            ("user_daily", day, asker.user, None), ("user_monthly", month, asker.user, None),
            ("channel_monthly", month, None, asker.channel),
            ("workspace_monthly", month, None, None)):
        amount = getattr(own, reason, None)
        if amount is not None:
            channel = asker.channel
        else:
            amount = getattr(policy.limits, reason)
        if amount is not None:
            found.append(Budget(reason, amount, *period, user=user, channel=channel))
    return found


def refusal_for_access(policy: Policy, asker: Asker) -> Refusal | None:
    if asker.external and not policy.external_users:
        return Refusal("external_users", f"{NO_ENTRY} I only answer people of this "
                       "organisation, so I can't answer you here.")
    if asker.shared and not policy.shared_channels:
        return Refusal("shared_channels", f"{NO_ENTRY} I don't answer in channels shared with "
                       "other organisations.")
    if asker.dm and not policy.dms:
        return Refusal("dms", f"{NO_ENTRY} I'm not enabled in direct messages here. Mention me "
                       "in a channel instead.")
    if asker.user in policy.blocked_users or (policy.users and asker.user not in policy.users):
        reason = "blocked_users" if asker.user in policy.blocked_users else "users"
        return Refusal(reason, f"{NO_ENTRY} I'm not enabled for you. Ask whoever runs this bot "
                       "in your workspace if you need access.")
    if asker.channel in policy.blocked_channels or (
            policy.channels and not asker.dm and asker.channel not in policy.channels):
        reason = "blocked_channels" if asker.channel in policy.blocked_channels else "channels"
        return Refusal(reason, f"{NO_ENTRY} I'm not enabled in this channel.")
    return None


def decide(policy: Policy, asker: Asker, spent: Spent | None, now: datetime) -> Refusal | None:
    """None: the question may be answered; else why not. `spent` is None without a ledger
    (then spend limits cannot be counted)."""
    refusal = refusal_for_access(policy, asker)
    if refusal is not None or spent is None:
        return refusal
    for budget in budgets(policy, asker, now):
        used = spent(asker.team, budget.start, user=budget.user, channel=budget.channel)
        if used >= budget.amount:
            return Refusal(budget.reason, used_up(budget, policy.timezone))
    return None


def dollars(amount: float) -> str:
    return f"${amount:,.2f}"


def reset_time(end: datetime, zone: tzinfo) -> str:
    local = end.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M} ({zone})"


_WHOSE = {"user_daily": "You have used your Claude budget for today",
          "user_monthly": "You have used your Claude budget for this month",
          "channel_monthly": "This channel has used its Claude budget for this month",
          "workspace_monthly": "This workspace has used its Claude budget for this month"}


def used_up(budget: Budget, zone: tzinfo) -> str:
    here = " in this channel" if budget.user and budget.channel else ""
    return (f"{NO_ENTRY} {_WHOSE[budget.reason]}{here} ({dollars(budget.amount)}). It resets on "
            f"{reset_time(budget.end, zone)}.")
