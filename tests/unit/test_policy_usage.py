"""/claude usage as text: your spend against your limits; the admins' workspace report."""

from datetime import UTC, datetime

from bot.ledger import UsageRow
from bot.policy.rules import parse_policy
from bot.policy.usage import NO_LEDGER, Breakdown, usage_text, workspace_breakdown
from tests.ledger_fake import FakeLedger

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
POLICY = parse_policy(b"admins = ['U0ADMIN']\n[limits]\nuser_monthly = 50\n", "policy.toml",
                      "claude-sonnet-5-5")


def test_your_spend_against_your_limits():
    ledger = FakeLedger(UsageRow(time=NOW, team="T0TEAM", channel="C1", thread_ts=None,
                                 ts="1.1", user="U0ALICE", model="m", cost_usd=0.5))
    assert usage_text(POLICY, ledger.spent, "T0TEAM", "U0ALICE", NOW).split("\n") == [
        "*Your Claude usage*", "Today: $0.50 (no limit)",
        "This month: $0.50 of $50.00 (resets Friday 1 January at 00:00 (UTC))"]


def test_admins_see_the_workspace():
    ledger = FakeLedger()
    breakdown = Breakdown(answers=0, people=[], channels=[], models=[])
    lines = usage_text(POLICY, ledger.spent, "T0TEAM", "U0ADMIN", NOW, breakdown).split("\n")
    assert lines[4:] == ["*This workspace, this month*", "Spent: $0.00 (no limit)",
                         "Answers: 0", "Top people: none", "Top channels: none", "Models: none"]


def test_without_a_ledger_there_is_nothing_to_show():
    assert usage_text(POLICY, None, "T0TEAM", "U0ALICE", NOW) == NO_LEDGER


async def test_a_report_that_fails_is_left_out():
    class Down(FakeLedger):
        async def top(self, *args, **kwargs):
            raise ConnectionError("database down")

    assert await workspace_breakdown(Down(), "T0TEAM", NOW, NOW) is None
