"""Edited mentions are never questions, and an answer uses the budget of the workspace that
installed the app, even in a channel shared with another organisation."""

from bot.dedupe import MemoryDedupe
from tests.e2e.helpers import answered
from tests.e2e.test_conversations import settle

CH = "C0GENERAL"


async def test_an_edited_mention_is_never_answered_again(slack, claude, make_bot):
    bot = await make_bot()
    mention = await slack.user_message(CH, "U0ALICE", "<@UBOT> waht is 2+2?")
    await answered(slack, CH)
    bot.deps.dedupe = MemoryDedupe()  # hours later, or after a restart without Redis
    await slack.edit_message(CH, mention["ts"], "<@UBOT> what is 2+2?")
    await settle(slack, bot)
    assert len(claude.requests) == 1
    assert len(slack.bot_messages(CH)) == 1


async def test_an_edited_message_in_a_dm_is_not_answered(slack, claude, make_bot):
    bot = await make_bot()
    dm = await slack.user_message("D0ALICE", "U0ALICE", "helo", channel_type="im")
    await answered(slack, "D0ALICE")
    await slack.edit_message("D0ALICE", dm["ts"], "hello", channel_type="im")
    await settle(slack, bot)
    assert len(claude.requests) == 1


def open_to_other_organisations(tmp_path) -> str:
    """A policy that answers people of other organisations (refused by default)."""
    path = tmp_path / "policy.toml"
    path.write_text("[access]\nexternal_users = true\nshared_channels = true\n")
    return str(path)


async def test_a_shared_channel_uses_the_installing_workspace(slack, claude, make_bot,
                                                              tmp_path):
    bot = await make_bot(CLAUDE_POLICY=open_to_other_organisations(tmp_path))
    message = slack.add_message(CH, user="U0GUEST", text="<@UBOT> hi from another org",
                                team="T0OTHERORG")
    await slack.send_event({"type": "app_mention", "channel": CH, "user": "U0GUEST",
                            "ts": message["ts"], "text": message["text"],
                            "team": "T0OTHERORG", "user_team": "T0OTHERORG"})
    await answered(slack, CH)
    assert list(bot.deps.governors._by_team) == [slack.team_id]


async def test_a_shared_channel_streams_natively_to_the_askers_workspace(slack, claude,
                                                                           make_bot, tmp_path):
    bot = await make_bot(SLACK_STREAMING="native",
                         CLAUDE_POLICY=open_to_other_organisations(tmp_path))
    message = slack.add_message(CH, user="U0GUEST", text="<@UBOT> hi", team="T0OTHERORG")
    await slack.send_event({"type": "app_mention", "channel": CH, "user": "U0GUEST",
                            "ts": message["ts"], "text": message["text"],
                            "team": "T0OTHERORG"})
    await slack.wait_for(lambda: slack.calls_to("chat.stopStream"), what="the stream's end")
    [start] = slack.calls_to("chat.startStream")
    assert start.params["recipient_team_id"] == "T0OTHERORG"
    assert list(bot.deps.governors._by_team) == [slack.team_id]
    assert list(bot.deps.streams._by_team) == [slack.team_id]
