"""Slack refusing or rate-limiting the bot's calls."""

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, no_stuck_placeholders

MENTION = "<@UBOT> explain"
TEXT = "Streaming answers are edited in place. " * 8


async def test_429_on_an_edit_is_honoured_and_the_final_text_delivered(slack, claude, make_bot):
    claude.default = Reply(text=TEXT, chunk_chars=8, delay=0.01)
    await make_bot()
    slack.fail_next("chat.update", retry_after=1)
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [reply] = await answered(slack)
    assert body_of(reply) == TEXT
    updates = slack.calls_to("chat.update")
    limited = [u for u in updates if u.status == 429]
    assert len(limited) == 1
    after = [u for u in updates if u.at > limited[0].at]
    assert after and min(u.at for u in after) - limited[0].at >= 1.0  # Retry-After honoured
    assert len(after) == 1  # the deltas that came meanwhile were coalesced into one edit


async def test_placeholder_rate_limited_is_retried(slack, claude, make_bot):
    await make_bot()
    slack.fail_next("chat.postMessage", retry_after=1)
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [reply] = await answered(slack)
    assert body_of(reply) == "Hello from the test Claude."
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]


async def test_final_edit_failing_is_retried(slack, claude, make_bot):
    claude.default = Reply(text="short")
    await make_bot()
    slack.fail_next("chat.update", status=500, error="internal_error", retry_after=None, times=2)
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [reply] = await answered(slack)
    assert body_of(reply) == "short"


async def test_deleted_placeholder_gets_the_answer_in_a_new_message(slack, claude, make_bot):
    claude.default = Reply(text="still here")
    await make_bot()
    slack.fail_next("chat.update", status=200, error="message_not_found", retry_after=None,
                    times=10)
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    await slack.wait_for(lambda: any(body_of(m) == "still here" for m in slack.bot_messages()),
                         what="the answer in a new message")
    assert len(slack.calls_to("chat.postMessage")) == 2


async def test_rejected_blocks_fall_back_to_plain_text(slack, claude, make_bot):
    claude.default = Reply(text="plain words survive")
    await make_bot()
    slack.fail_next("chat.update", status=200, error="invalid_blocks", retry_after=None, times=1)
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    await slack.wait_for(lambda: any("plain words survive" in m["text"] and "`claude-" in
                                     m["text"] + str(m.get("blocks"))
                                     for m in slack.bot_messages()), what="the answer")
    updates = slack.calls_to("chat.update")
    assert updates[0].response["error"] == "invalid_blocks"
    assert updates[1].params["blocks"] == [] and updates[1].params["text"].startswith("plain")


async def test_not_in_channel_means_no_answer_and_no_crash(slack, claude, make_bot):
    slack.not_in_channel.add("C0SECRET")
    await make_bot()
    await slack.user_message("C0SECRET", "U0ALICE", MENTION)
    await slack.wait_for(lambda: slack.calls_to("chat.postMessage"), what="the placeholder try")
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [reply] = await answered(slack, "C0GENERAL")
    assert body_of(reply)
    assert no_stuck_placeholders(slack)
