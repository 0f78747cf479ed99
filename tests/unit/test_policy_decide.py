"""The policy's decisions (pure): access, spend limits and their periods, per-channel settings,
and who is asking as the payload shows it."""

import copy
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_settings
from bot.installation import Installation, installation_of
from bot.ledger import UsageRow
from bot.policy.decide import (
    AnswerSettings,
    Asker,
    answer_settings,
    day_bounds,
    decide,
    month_bounds,
)
from bot.policy.origin import command_asker, event_asker
from bot.policy.rules import Policy, parse_policy
from tests.ledger_fake import FakeLedger

PAYLOADS = Path("/work/shared/material/slack_payloads")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
ALICE = Asker(team="T0TEAM", user="U0ALICE", channel="C0GENERAL")


def policy(text: str) -> Policy:
    return parse_policy(text.encode(), "policy.toml", "claude-sonnet-5-5")


def row(cost: float, *, user="U0ALICE", channel="C0GENERAL", when=NOW) -> UsageRow:
    return UsageRow(time=when, team="T0TEAM", channel=channel, thread_ts=None, ts="1.1",
                    user=user, model="claude-sonnet-5-5", cost_usd=cost)


def reason(policy_: Policy, asker: Asker = ALICE, ledger=None) -> str | None:
    refusal = decide(policy_, asker, ledger.spent if ledger else None, NOW)
    return refusal and refusal.reason


def test_default_everyone_in_the_workspace_may_ask():
    default = Policy()
    assert reason(default) is None
    assert reason(default, Asker("T0TEAM", "U0ALICE", "D0DM", dm=True)) is None
    assert reason(default, Asker("T0TEAM", "U0EXT", "C0GENERAL", external=True)) == \
        "external_users"
    assert reason(default, Asker("T0TEAM", "U0ALICE", "C0SHARED", shared=True)) == \
        "shared_channels"


def test_access_lists():
    rules = policy("[access]\nusers = ['U0ALICE']\nchannels = ['C0GENERAL']\n"
                   "blocked_channels = ['D0BLOCK']\ndms = true\n")
    assert reason(rules) is None
    assert reason(rules, Asker("T0TEAM", "U0BOB", "C0GENERAL")) == "users"
    assert reason(rules, Asker("T0TEAM", "U0ALICE", "C0RANDOM")) == "channels"
    # The channel list does not cover direct messages (`dms` does); a blocked one still counts.
    assert reason(rules, Asker("T0TEAM", "U0ALICE", "D0DM", dm=True)) is None
    assert reason(rules, Asker("T0TEAM", "U0ALICE", "D0BLOCK", dm=True)) == "blocked_channels"
    blocked = policy("[access]\nblocked_users = ['U0ALICE']\ndms = false\n"
                     "external_users = true\nshared_channels = true\n")
    assert reason(blocked) == "blocked_users"
    assert reason(blocked, Asker("T0TEAM", "U0BOB", "D0DM", dm=True)) == "dms"
    assert reason(blocked, Asker("T0TEAM", "U0BOB", "C0X", external=True, shared=True)) is None


def test_refusal_words():
    rules = policy("[access]\ndms = false\n")
    refusal = decide(rules, Asker("T0TEAM", "U0ALICE", "D0DM", dm=True), None, NOW)
    assert refusal.message == (":no_entry_sign: I'm not enabled in direct messages here. "
                               "Mention me in a channel instead.")
    refusal = decide(Policy(), Asker("T0TEAM", "U0EXT", "C0X", external=True), None, NOW)
    assert "other" not in refusal.message and "organisation" in refusal.message


def test_user_daily_used_up_says_the_amount_and_when_it_resets():
    rules = policy("timezone = 'Europe/Berlin'\n[limits]\nuser_daily = 5.0\n")
    ledger = FakeLedger(row(4.99))
    assert reason(rules, ledger=ledger) is None
    ledger.rows.append(row(0.01))
    refusal = decide(rules, ALICE, ledger.spent, NOW)
    assert refusal.reason == "user_daily"
    assert refusal.message == (":no_entry_sign: You have used your Claude budget for today "
                               "($5.00). It resets on Wednesday 2 December at 00:00 "
                               "(Europe/Berlin).")
    # Counted from the policy's midnight, for this person only, across every channel.
    assert ledger.asked[-1] == ("T0TEAM", datetime(2026, 12, 1, tzinfo=BERLIN), "U0ALICE", None)
    assert reason(rules, Asker("T0TEAM", "U0BOB", "C0GENERAL"), ledger) is None


def test_each_budget_and_its_words():
    ledger = FakeLedger(row(30, when=NOW - timedelta(hours=3)), row(10, user="U0BOB"),
                        row(5, channel="C0OTHER"))
    assert reason(policy("[limits]\nuser_monthly = 30\n"), ledger=ledger) == "user_monthly"
    assert reason(policy("[limits]\nchannel_monthly = 40\n"), ledger=ledger) == \
        "channel_monthly"
    assert reason(policy("[limits]\nchannel_monthly = 41\n"), ledger=ledger) is None
    workspace = decide(policy("[limits]\nworkspace_monthly = 45\n"), ALICE, ledger.spent, NOW)
    assert workspace.message == (":no_entry_sign: This workspace has used its Claude budget for "
                                 "this month ($45.00). It resets on Friday 1 January at 00:00 "
                                 "(UTC).")
    # A zero limit refuses everything.
    assert reason(policy("[limits]\nuser_daily = 0\n"), ledger=FakeLedger()) == "user_daily"


def test_a_channel_limit_replaces_the_global_one_and_counts_that_channel_only():
    rules = policy("[limits]\nuser_daily = 5\n[channel.C0SUPPORT]\nuser_daily = 20\n")
    ledger = FakeLedger(row(6, channel="C0GENERAL"), row(19, channel="C0SUPPORT"))
    support = Asker("T0TEAM", "U0ALICE", "C0SUPPORT")
    assert reason(rules, support, ledger) is None  # 19 spent there, of 20
    assert ledger.asked[-1][2:] == ("U0ALICE", "C0SUPPORT")
    assert reason(rules, ALICE, ledger) == "user_daily"  # 25 in all, of 5 elsewhere
    ledger.rows.append(row(1, channel="C0SUPPORT"))
    refusal = decide(rules, support, ledger.spent, NOW)
    assert refusal.message.startswith(":no_entry_sign: You have used your Claude budget for "
                                      "today in this channel ($20.00).")


def test_without_a_ledger_limits_cannot_be_counted():
    assert reason(policy("[limits]\nuser_daily = 0\n")) is None


def test_days_and_months_begin_in_the_policy_time_zone():
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Berlin
    assert day_bounds(late, BERLIN) == (datetime(2027, 1, 1, tzinfo=BERLIN),
                                        datetime(2027, 1, 2, tzinfo=BERLIN))
    assert month_bounds(late, BERLIN) == (datetime(2027, 1, 1, tzinfo=BERLIN),
                                          datetime(2027, 2, 1, tzinfo=BERLIN))
    assert month_bounds(late, UTC) == (datetime(2026, 12, 1, tzinfo=UTC),
                                       datetime(2027, 1, 1, tzinfo=UTC))
    # The day clocks go forward is 23 hours long; Berlin's midnight is 23:00 UTC in winter.
    start, end = day_bounds(datetime(2026, 3, 29, 12, tzinfo=UTC), BERLIN)
    assert end - start == timedelta(hours=23)
    assert start.astimezone(UTC) == datetime(2026, 3, 28, 23, tzinfo=UTC)
    # Spend from before the local midnight does not count today.
    rules = policy("timezone = 'Europe/Berlin'\n[limits]\nuser_daily = 1\n")
    ledger = FakeLedger(row(5, when=datetime(2026, 11, 30, 22, 59, tzinfo=UTC)))
    assert reason(rules, ledger=ledger) is None
    ledger.rows.append(row(1, when=datetime(2026, 11, 30, 23, 0, tzinfo=UTC)))
    assert reason(rules, ledger=ledger) == "user_daily"


def test_per_channel_settings():
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1",
                              "ANTHROPIC_API_KEY": "k", "CLAUDE_SYSTEM_PROMPT": "Be brief."})
    rules = policy("[limits]\nrequest_tokens = 1000\n[channel.C0SUPPORT]\n"
                   "model = 'claude-opus-5-5'\nsystem_prompt = 'Support terms.'\n"
                   "max_tokens = 16000\nrequest_tokens = 5000\n")
    assert answer_settings(rules, settings, "C0SUPPORT") == AnswerSettings(
        "claude-opus-5-5", 16000, "Be brief.\n\nSupport terms.", 5000)
    assert answer_settings(rules, settings, "C0GENERAL") == AnswerSettings(
        "claude-sonnet-5-5", 32000, "Be brief.", 1000)


def test_the_check_is_cheap():
    rules = policy("[limits]\nuser_daily = 5\nuser_monthly = 50\nchannel_monthly = 200\n"
                   "workspace_monthly = 1000\n[channel.C0SUPPORT]\nuser_daily = 20\n")
    totals = {}  # the ledger keeps running totals in memory: one look-up per budget

    def spent(team, since, *, user=None, channel=None):
        return totals.get((team, since, user, channel), 0.0)

    started = time.process_time()  # CPU time: other processes on the machine don't count
    for _ in range(1000):
        assert decide(rules, ALICE, spent, NOW) is None
    assert (time.process_time() - started) / 1000 < 0.002


# --- who is asking, from the payload alone ---


def load(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def asked(event: dict, body: dict) -> Asker:
    return event_asker(event, body, installation_of(body))


def test_a_person_of_the_workspace_in_a_plain_channel():
    body = load("message_channel_in_thread__bolt_test_events_assistant.json")
    asker = asked(body["event"], body)
    assert asker == Asker(team="T111", user="W222", channel="C111")


def test_a_person_of_another_organisation():
    body = load("message_channel_in_thread__bolt_test_events_assistant.json")
    event = copy.deepcopy(body["event"])
    event["user_team"] = "T999"
    assert asked(event, body).external
    # No user_team: the message's own team says it.
    del event["user_team"]
    event["team"] = "T999"
    assert asked(event, body).external


def test_enterprise_grid_teams_of_the_installation_are_not_external():
    body = load("message_channel_in_thread__bolt_test_events_assistant.json")
    body["authorizations"] = [{"enterprise_id": "E111", "team_id": None, "user_id": "W111",
                               "is_bot": True, "is_enterprise_install": True}]
    body["context_team_id"], body["context_enterprise_id"] = "T222", "E111"
    event = {**body["event"], "user_team": "T222"}
    # An org-wide install is the organisation's: its id keys rows and budgets.
    assert asked(event, body) == Asker(team="E111", user="W222", channel="C111")
    # `user_team` may name the organisation itself (Bolt's request/internals.py).
    assert not asked({**event, "user_team": "E111"}, body).external
    body["context_enterprise_id"] = "E999"  # a team of another enterprise
    assert asked(event, body).external
    assert asked({**event, "user_team": "E999"}, body).external


def test_a_workspace_install_on_enterprise_grid():
    body = load("message_channel_in_thread__bolt_test_events_assistant.json")
    body["authorizations"][0]["enterprise_id"] = body["enterprise_id"] = "E111"
    body["is_ext_shared_channel"] = True
    asker = asked({**body["event"], "user_team": "E111"}, body)
    assert asker.team == "T111" and not asker.external and asker.shared


def test_shared_channel_and_dm_from_the_envelope():
    body = load("socket_mode_envelope_message_channel.json")["payload"]
    body["is_ext_shared_channel"] = True
    assert asked(body["event"], body).shared
    dm = {**body["event"], "channel": "D0DM", "channel_type": "im"}
    assert asked(dm, {**body, "is_ext_shared_channel": False}).dm


def test_slash_command_asker():
    command = load("slash_command__bolt_test_slash_command.parsed.json")
    grid = Installation("T111", "E111")
    assert command_asker(command, grid) == Asker(team="T111", user="W111", channel="C111")
    other = {**command, "team_id": "T999", "enterprise_id": "E999"}
    assert command_asker(other, grid).external
    same_org = {**command, "team_id": "T222"}  # another workspace of the same enterprise
    assert not command_asker(same_org, grid).external
    assert command_asker({**command, "channel_id": "D0DM"}, Installation("T111")).dm


def test_the_installation_of_a_command_or_a_click_is_the_authorized_one():
    """Their `team` is the person's; Bolt's authorization names the installation."""
    authorized = {"authorize_result": {"team_id": "T111", "enterprise_id": "E111"}}
    command = load("slash_command__bolt_test_slash_command.parsed.json")
    assert installation_of({**command, "team_id": "T999"}, authorized).id == "T111"
    click = {"type": "block_actions", "team": None, "enterprise": {"id": "E111"},
             "is_enterprise_install": True, "user": {"id": "W1", "team_id": "T222"}}
    assert installation_of(click, {"authorize_result": {"team_id": "E111",
                                                        "enterprise_id": "E111"}}).id == "E111"
    assert installation_of(click).id == "E111"  # from the payload alone, too


@pytest.mark.parametrize("name", ["app_mention__bolt_test_events.json",
                                  "message_user__bolt_test_message_bot.json"])
def test_recorded_payloads_are_internal(name):
    body = load(name)
    asker = asked(body["event"], body)
    assert not asker.external and not asker.shared and asker.team == "T111"
