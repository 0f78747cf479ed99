"""The policy at work against the Slack and Claude servers: a refusal is one ephemeral message
and nothing else; per-channel settings reach the request; the per-request ceiling; reloads."""

from datetime import UTC, datetime

import pytest

from bot.ledger import UsageRow
from tests.e2e.helpers import answered, footer_of, ledger_rows, notices_of, refusals

SETUP = {"auth.test", "apps.connections.open"}
MENTION = "<@UBOT> what is 2+2?"


def slack_calls(slack) -> list[str]:
    return [c.method for c in slack.calls if c.method not in SETUP]


async def policy_bot(make_bot, tmp_path, text: str, **env):
    path = tmp_path / "policy.toml"
    path.write_text(text)
    bot = await make_bot(CLAUDE_POLICY=str(path), **env)
    return bot


async def spend(bot, row: UsageRow) -> None:
    """Money spent earlier: a row in the bot's ledger, written to the database."""
    await bot.deps.ledger.record(row)
    await bot.deps.ledger.flush()


async def refused(slack, bot) -> dict:
    """Wait for the one ephemeral refusal; check it was the only Slack call."""
    await slack.wait_for(lambda: slack.ephemerals, what="an ephemeral refusal")
    await bot.inflight.wait()
    assert slack_calls(slack) == ["chat.postEphemeral"]
    [ephemeral] = slack.ephemerals
    assert ephemeral["shown"]  # where Slack displays it
    return ephemeral


async def test_a_refused_mention_costs_exactly_one_slack_call(slack, claude, make_bot, tmp_path):
    bot = await policy_bot(make_bot, tmp_path, "[access]\nusers = ['U0BOB']\n")
    mention = await slack.user_message("C0GENERAL", "U0ALICE", MENTION)  # app_mention + message
    ephemeral = await refused(slack, bot)
    assert (ephemeral["channel"], ephemeral["user"]) == ("C0GENERAL", "U0ALICE")
    assert "thread_ts" not in ephemeral  # no thread yet: Slack would not show it there
    assert "not enabled for you" in ephemeral["text"]
    assert claude.requests == [] and slack.bot_messages() == []
    [row] = await ledger_rows(bot)
    assert (row.outcome, row.reason, row.user, row.channel, row.ts, row.thread_ts, row.team) \
        == ("refused", "users", "U0ALICE", "C0GENERAL", mention["ts"], mention["ts"], "T0TEAM")
    # Bob may ask.
    await slack.user_message("C0GENERAL", "U0BOB", MENTION)
    await answered(slack)


async def test_a_refusal_in_a_thread_goes_to_the_thread(slack, claude, make_bot, tmp_path):
    bot = await policy_bot(make_bot, tmp_path, "[access]\nblocked_users = ['U0ALICE']\n")
    root = await slack.user_message("C0GENERAL", "U0CAROL", "a question for the team")
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION, thread_ts=root["ts"])
    ephemeral = await refused(slack, bot)
    assert ephemeral["thread_ts"] == root["ts"]
    assert (await refusals(bot))[0].reason == "blocked_users"


async def test_messages_that_want_no_answer_stay_silent(slack, claude, make_bot, tmp_path):
    bot = await policy_bot(make_bot, tmp_path, "[access]\nusers = ['U0BOB']\n")
    await slack.user_message("C0GENERAL", "U0ALICE", "just chatting, no mention")
    root = await slack.user_message("C0GENERAL", "U0CAROL", "a thread")
    await slack.user_message("C0GENERAL", "U0ALICE", "a reply", thread_ts=root["ts"])
    await slack.user_message("C0GENERAL", "U0BOB", "bob talking too")
    await bot.inflight.wait()
    assert slack_calls(slack) == [] and claude.requests == [] and await ledger_rows(bot) == []


async def test_a_blocked_dm(slack, claude, make_bot, tmp_path):
    bot = await policy_bot(make_bot, tmp_path, "[access]\ndms = false\n")
    await slack.user_message("D0ALICE", "U0ALICE", "hello?", channel_type="im")
    ephemeral = await refused(slack, bot)
    assert ephemeral["channel"] == "D0ALICE" and "direct messages" in ephemeral["text"]
    assert (await refusals(bot))[0].reason == "dms"


async def test_people_of_other_organisations_are_refused_by_default(slack, claude, make_bot):
    bot = await make_bot()  # no policy file
    await slack.user_message("C0CONNECT", "U0GUEST", MENTION, user_team="T0OTHER")
    ephemeral = await refused(slack, bot)
    assert ephemeral["user"] == "U0GUEST" and "organisation" in ephemeral["text"]
    assert (await refusals(bot))[0].reason == "external_users"
    # Someone of the workspace asking in a plain channel is answered.
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    await answered(slack)


@pytest.mark.parametrize("allowed", [False, True])
async def test_shared_channels(slack, claude, make_bot, tmp_path, allowed):
    text = f"[access]\nshared_channels = {str(allowed).lower()}\n"
    bot = await policy_bot(make_bot, tmp_path, text)
    await slack.user_message("C0CONNECT", "U0ALICE", MENTION, shared=True)
    if allowed:
        await answered(slack)
        assert slack.ephemerals == []
    else:
        ephemeral = await refused(slack, bot)
        assert "shared with other organisations" in ephemeral["text"]
        assert claude.requests == []


async def test_a_used_up_budget(slack, claude, make_bot, tmp_path):
    bot = await policy_bot(make_bot, tmp_path, "timezone = 'Europe/Berlin'\n"
                                               "[limits]\nuser_daily = 1.0\n")
    await spend(bot, UsageRow(
        time=datetime.now(UTC), team="T0TEAM", channel="C0OTHER", thread_ts=None, ts="1.1",
        user="U0ALICE", model="claude-sonnet-5-5", cost_usd=1.0))
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    ephemeral = await refused(slack, bot)
    assert "your Claude budget for today ($1.00). It resets on " in ephemeral["text"]
    assert ephemeral["text"].endswith(" at 00:00 (Europe/Berlin).")
    assert (await refusals(bot))[0].reason == "user_daily"
    assert claude.requests == []


async def test_a_refused_slash_command_answers_in_its_own_ack(slack, claude, make_bot, tmp_path):
    bot = await policy_bot(make_bot, tmp_path, "[access]\nchannels = ['C0GENERAL']\n")
    envelope = await slack.send_slash_command(text="hi", channel_id="C0RANDOM")
    ack = await slack.wait_ack(envelope)
    await bot.inflight.wait()
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "not enabled in this channel" in ack["payload"]["text"]
    assert slack_calls(slack) == [] and claude.requests == [] and slack.responses == []
    assert (await refusals(bot))[0].reason == "channels"
    # An external person's command is refused the same way.
    envelope = await slack.send_slash_command(text="hi", team_id="T0OTHER")
    ack = await slack.wait_ack(envelope)
    assert "organisation" in ack["payload"]["text"]


async def test_usage_command(slack, claude, make_bot, tmp_path):
    bot = await policy_bot(make_bot, tmp_path, "admins = ['U0ADMIN']\n[limits]\n"
                                               "user_daily = 5\nworkspace_monthly = 100\n")
    await spend(bot, UsageRow(
        time=datetime.now(UTC), team="T0TEAM", channel="C0GENERAL", thread_ts=None, ts="1.1",
        user="U0ALICE", model="claude-sonnet-5-5", cost_usd=1.25))
    ack = await slack.wait_ack(await slack.send_slash_command(text="usage"))
    text = ack["payload"]["text"]
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "Today: $1.25 of $5.00 (resets " in text and "This month: $1.25 (no limit)" in text
    assert "workspace" not in text
    await spend(bot, UsageRow(
        time=datetime.now(UTC), team="T0TEAM", channel="C0SUPPORT", thread_ts=None, ts="1.2",
        user="U0BOB", model="claude-opus-5-5", cost_usd=2.0))
    ack = await slack.wait_ack(await slack.send_slash_command(text="usage", user_id="U0ADMIN"))
    lines = ack["payload"]["text"].split("\n")
    assert lines[1].startswith("Today: $0.00 of $5.00")
    assert lines[-6] == "*This workspace, this month*"
    assert lines[-5].startswith("Spent: $3.25 of $100.00 (resets ")
    assert lines[-4:] == [
        "Answers: 2", "Top people: <@U0BOB> $2.00, <@U0ALICE> $1.25",
        "Top channels: <#C0SUPPORT> $2.00, <#C0GENERAL> $1.25",
        "Models: `claude-opus-5-5` $2.00, `claude-sonnet-5-5` $1.25"]
    assert slack_calls(slack) == [] and claude.requests == []


async def test_per_channel_settings_reach_the_request_and_footer(slack, claude, make_bot,
                                                                 tmp_path):
    await policy_bot(make_bot, tmp_path, "[channel.C0SUPPORT]\nmodel = 'claude-opus-5-5'\n"
                     "system_prompt = 'Answer in support terms.'\nmax_tokens = 1000\n",
                     CLAUDE_SYSTEM_PROMPT="Be brief.")
    await slack.user_message("C0SUPPORT", "U0ALICE", MENTION)
    [reply] = await answered(slack, "C0SUPPORT")
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [other] = await answered(slack, "C0GENERAL")
    support, general = claude.requests
    assert (support.body["model"], support.body["max_tokens"]) == ("claude-opus-5-5", 1000)
    assert support.body["system"][-1]["text"].endswith("Be brief.\n\nAnswer in support terms.")
    assert footer_of(reply).startswith("`claude-opus-5-5`")
    assert general.body["model"] == "claude-sonnet-5-5"
    assert general.body["system"][-1]["text"].endswith("Be brief.")
    assert footer_of(other).startswith("`claude-sonnet-5-5`")


async def test_a_request_over_the_ceiling_becomes_a_notice(slack, claude, make_bot, tmp_path):
    bot = await policy_bot(make_bot, tmp_path, "[limits]\nrequest_tokens = 100\n")
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> " + "summarise this " * 200)
    await slack.wait_for(lambda: any("too large" in " ".join(notices_of(m))
                                     for m in slack.bot_messages()), what="the notice")
    await bot.inflight.wait()
    [request] = claude.requests  # measured, never answered
    assert request.path == "/v1/messages/count_tokens"
    [message] = slack.bot_messages()
    [notice] = notices_of(message)
    assert notice.startswith(":no_entry_sign: This conversation is too large to answer: ")
    assert "more than the 100 one answer may send. Start a new thread or share fewer files." \
        in notice
    assert footer_of(message) is None
    [row] = await ledger_rows(bot)
    assert (row.outcome, row.reason) == ("refused", "request_tokens")


async def test_only_an_estimate_over_the_ceiling_is_measured(slack, claude, make_bot, tmp_path):
    # ~3,000 characters: the estimate (a token per 3 characters) is over 1,000 tokens, the
    # count (the test server's: a token per 4) is under, so the answer goes ahead.
    await policy_bot(make_bot, tmp_path, "[limits]\nrequest_tokens = 1000\n")
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> " + "x" * 3000)
    await answered(slack)
    assert [r.path for r in claude.requests] == ["/v1/messages/count_tokens", "/v1/messages"]
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    await answered(slack, count=2)
    assert claude.requests[-1].path == "/v1/messages"  # small: not measured
    assert len(claude.requests) == 3


async def test_reload_on_change_keeps_the_old_version_when_the_new_is_invalid(
        slack, claude, make_bot, tmp_path, caplog):
    bot = await policy_bot(make_bot, tmp_path, "[access]\nusers = ['U0ALICE', 'U0BOB']\n")
    live = bot.deps.policy
    path = tmp_path / "policy.toml"
    path.write_text("[access]\nusers = ['U0BOB']\n")
    assert live.reload() and live.current.users == {"U0BOB"}
    assert not live.reload()  # unchanged: nothing to do
    path.write_text("[access]\nusers = ['U0BOB'\n")  # broken
    assert not live.reload()
    assert live.current.users == {"U0BOB"}
    [line] = [r.getMessage() for r in caplog.records if "policy not reloaded" in r.getMessage()]
    assert f"{path}: line 2 (the end of the file) is not valid TOML (Unclosed array)" in line
    assert "\n" not in line
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    await refused(slack, bot)


async def test_the_file_is_watched(slack, claude, make_bot, tmp_path):
    bot = await policy_bot(make_bot, tmp_path, "")
    live = bot.deps.policy
    await live.stop()
    live.start(interval=0.05)  # the bot checks every 2 s; the same loop, faster
    (tmp_path / "policy.toml").write_text("[access]\ndms = false\n")
    await slack.wait_for(lambda: not live.current.dms, what="the new policy")
