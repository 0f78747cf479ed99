"""/claude: in the channel, privately when the bot is not there, and help."""

import pytest

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of


async def test_answer_quotes_the_question_and_streams(slack, claude, make_bot):
    claude.enqueue(Reply(text="Use a **dict**.", chunk_chars=3, delay=0.01),
                   Reply(text="A set, then."))
    await make_bot()
    envelope = await slack.send_slash_command(text="how do I count words?")
    ack = await slack.wait_ack(envelope)
    assert not ack.get("payload")  # acked at once, empty
    [reply] = await answered(slack, "C0GENERAL")
    assert "thread_ts" not in slack.calls_to("chat.postMessage")[0].params  # in the channel
    assert reply["blocks"][0]["text"]["text"] == "<@U0ALICE> asked:\n>how do I count words?"
    assert body_of(reply) == "Use a **dict**."
    assert reply["text"].startswith("<@U0ALICE> asked:")
    assert len(slack.calls_to("chat.update")) >= 2
    # A follow-up in its thread continues the conversation, no mention needed.
    await slack.user_message("C0GENERAL", "U0ALICE", "and unique words?", thread_ts=reply["ts"])
    await answered(slack, "C0GENERAL", count=2)
    messages = claude.requests[1].body["messages"]
    assert [(m["role"], m["content"][-1]["text"]) for m in messages] == [
        ("user", "<@U0ALICE>: how do I count words?"), ("assistant", "Use a **dict**."),
        ("user", "<@U0ALICE>: and unique words?")]


@pytest.mark.parametrize("error, reason", [
    ("not_in_channel", "I'm not in this channel"),
    ("channel_not_found", "I can't see this channel"),
    ("ratelimited", "Slack is rate-limiting my messages here"),
    ("is_archived", "Slack refused my message in this channel (`is_archived`)"),
])
async def test_when_the_bot_cannot_post_it_answers_privately_saying_why(slack, claude, make_bot,
                                                                        error, reason):
    claude.default = Reply(text="Private answer.")
    await make_bot()
    if error == "not_in_channel":
        slack.not_in_channel.add("C0SECRET")
    elif error == "channel_not_found":
        slack.missing_channels.add("C0SECRET")
    elif error == "ratelimited":  # still limited after every retry
        slack.fail_next("chat.postMessage", retry_after=0, times=4)
    else:
        slack.fail_next("chat.postMessage", status=200, error=error, retry_after=None)
    await slack.send_slash_command(text="secret?", channel_id="C0SECRET")
    await slack.wait_for(lambda: len(slack.responses) >= 2, what="two private responses")
    intro, final = (body for _, body in slack.responses)
    assert all(r["response_type"] == "ephemeral" for r in (intro, final))
    assert reason in intro["text"] and "only you will see my answer" in intro["text"]
    assert body_of(final) == "Private answer." and footer_of(final)
    assert final["blocks"][0]["text"]["text"] == "<@U0ALICE> asked:\n>secret?"
    assert slack.bot_messages() == []


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
async def test_help_is_private_and_free(slack, claude, make_bot, text):
    bot = await make_bot()
    envelope = await slack.send_slash_command(text=text)
    ack = await slack.wait_ack(envelope)
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "/claude <question>" in ack["payload"]["text"]
    await bot.inflight.wait()
    assert claude.requests == [] and slack.bot_messages() == []


async def test_custom_command_name(slack, claude, make_bot):
    await make_bot(SLACK_COMMAND="/ask")
    await slack.send_slash_command(text="hi", command="/ask")
    await answered(slack, "C0GENERAL")
