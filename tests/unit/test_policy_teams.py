"""[team.TID] tables: one workspace (or an organisation installed org-wide) gets the policy's
top level with its own table over it."""

import pytest

from bot.policy.rules import PolicyError, parse_policy

POLICY = """
admins = ["U0ADMIN"]
[access]
users = ["U0ALICE", "U0BOB"]
dms = false
[limits]
user_daily = 5.0
[channel.C0GENERAL]
model = "claude-opus-5-5"

[team.T0SALES]
admins = ["U0SALESBOSS"]
[team.T0SALES.access]
users = []
[team.T0SALES.limits]
workspace_monthly = 100.0
[team.E0ORG.channel.C0ENG]
max_tokens = 1000
"""


def parse(text: str):
    return parse_policy(text.encode(), "policy.toml", "claude-sonnet-5-5", None)


def test_a_team_table_overrides_the_top_level_for_that_team_only():
    policy = parse(POLICY)
    sales, org, other = (policy.for_team(t) for t in ("T0SALES", "E0ORG", "T0OTHER"))
    assert other is policy and policy.users == {"U0ALICE", "U0BOB"}
    assert sales.admins == {"U0SALESBOSS"} and sales.users == frozenset()  # replaced
    assert sales.dms is False  # the rest of [access] is the top level's
    assert (sales.limits.user_daily, sales.limits.workspace_monthly) == (5.0, 100.0)
    assert policy.limits.workspace_monthly is None
    assert org.rules_for("C0ENG").max_tokens == 1000
    assert org.rules_for("C0GENERAL").model == "claude-opus-5-5"  # merged key by key


@pytest.mark.parametrize(("text", "message"), [
    ("[team.C0NOTATEAM]\nadmins = []\n", "`team.C0NOTATEAM` does not name a Slack workspace"),
    ("[team.T0X]\nadmin = []\n", "`team.T0X.admin` is not a known key: did you mean "
                                  "`team.T0X.admins`?"),
    ("[team.T0X.limits]\nuser_daily = -1\n", "policy.toml [team.T0X]: `limits.user_daily`"),
    ("team = 3\n", "`team` must be a table"),
])
def test_a_bad_team_table_is_one_line(text, message):
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("?", r"\?")):
        parse(text)
