"""The bot within what real Slack enforces: the text of all blocks of a message, no edit of a
message still streaming, Tier 2 stream methods, streams Slack ends by itself (timeout) or the
person stops, and continuation messages Slack refuses."""

import pytest

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of, no_stuck_placeholders, notices_of

NATIVE = {"SLACK_STREAMING": "native"}
TEXT = "Streaming the native way, a few words at a time. " * 6
STREAM_METHODS = ("chat.startStream", "chat.appendStream", "chat.stopStream")


def errors(slack) -> list[str]:
    return [c.response.get("error") for c in slack.calls if c.status != 200 or
            not c.response.get("ok", True)]


def still_streaming(slack) -> list[dict]:
    return [m for m in slack.bot_messages() if m.get("streaming")]


async def test_a_long_claude_answer_keeps_every_message_within_the_blocks_limit(
        slack, claude, make_bot):
    # A long question quoted on top of a full first message: together over 12,000 characters.
    text = ("x" * 99 + " ") * 250
    claude.default = Reply(text=text, chunk_chars=700, delay=0.005)
    await make_bot()
    await slack.send_slash_command(text="Please consider all of this: " + "context " * 320)
    await answered(slack, "C0GENERAL")
    await slack.wait_for(lambda: "".join(body_of(m) for m in slack.bot_messages()) == text,
                         what="the whole answer in blocks")
    assert "msg_blocks_too_long" not in errors(slack)
    assert all(m.get("blocks") for m in slack.bot_messages())  # never fell back to plain text


async def test_a_refused_continuation_is_re_split_not_dropped(slack, claude, make_bot):
    text = "\n\n".join(f"Paragraph {n}. " + "words " * 300 for n in range(8))
    claude.default = Reply(text=text, chunk_chars=1000, delay=0.005)
    await make_bot()
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> a lot")
    await slack.wait_for(lambda: slack.calls_to("chat.update"), what="the first edit")
    slack.fail_next("chat.postMessage", status=200, error="msg_blocks_too_long",
                    retry_after=None, times=2)
    await answered(slack, timeout=15)  # re-split into more messages: one a second in a channel
    await slack.wait_for(lambda: "".join(body_of(m) for m in slack.bot_messages()) == text,
                         what="the whole answer")
    assert footer_of(slack.bot_messages()[-1])
    assert len([p for p in slack.calls_to("chat.postMessage") if not p.response["ok"]]) == 2


async def test_a_continuation_refused_for_good_says_what_is_missing(slack, claude, make_bot):
    text = "\n\n".join(f"Paragraph {n}. " + "words " * 300 for n in range(8))
    claude.default = Reply(text=text, chunk_chars=1000, delay=0.005)
    await make_bot()
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> a lot")
    await slack.wait_for(lambda: slack.calls_to("chat.update"), what="the first edit")
    slack.fail_next("chat.postMessage", status=500, error="internal_error", retry_after=None,
                    times=20)
    await slack.wait_for(lambda: footer_of(slack.bot_messages()[-1]), timeout=15,
                         what="the answer to end")
    [reply] = slack.bot_messages()
    assert text.startswith(body_of(reply)) and len(body_of(reply)) < len(text)
    [missing] = [n for n in notices_of(reply) if "could not be posted" in n]
    assert f"{len(text) - len(body_of(reply)):,} more characters" in missing


async def test_a_rate_limited_stop_is_retried_before_anything_edits_the_message(
        slack, claude, make_bot):
    claude.default = Reply(text=TEXT, chunk_chars=8, delay=0.005)
    await make_bot(**NATIVE)
    slack.fail_next("chat.stopStream", status=429, retry_after=1)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> stream it")
    [reply] = await answered(slack)
    assert body_of(reply) == TEXT and footer_of(reply)
    assert [c.status for c in slack.calls_to("chat.stopStream")] == [429, 200]
    stops = slack.calls_to("chat.stopStream")
    assert stops[1].at - stops[0].at >= 1  # after Retry-After
    assert "streaming_state_conflict" not in errors(slack)
    assert slack.calls_to("chat.update") == [] and still_streaming(slack) == []


async def test_more_answers_than_tier_2_allows_start_no_more_streams(slack, claude, make_bot):
    claude.default = Reply(text=TEXT, chunk_chars=20, delay=0.01)
    await make_bot(**NATIVE, SLACK_UPDATES_PER_MINUTE="50")
    for n in range(25):  # Slack takes 20 chat.startStream (and 20 stopStream) a minute
        await slack.user_message(f"C{n:02d}", "U0ALICE", f"<@UBOT> q{n}",
                                 events=("app_mention",))
    await answered(slack, count=25)
    assert [c for c in slack.calls if c.status == 429] == []
    assert 10 <= len(slack.calls_to("chat.startStream")) <= 20  # the others were edited in
    assert all(body_of(m) == TEXT and footer_of(m) for m in slack.bot_messages())
    assert still_streaming(slack) == [] and no_stuck_placeholders(slack)


@pytest.mark.parametrize("slack", [{"stream_timeout": 0.3}], indirect=True)
async def test_a_stream_slack_timed_out_is_finished_with_edits(slack, claude, make_bot):
    claude.default = Reply(text=TEXT, chunk_chars=8, delay=0.03)  # about a second
    await make_bot(**NATIVE)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> stream it")
    [reply] = await answered(slack)
    assert reply["stream_error"] == "expired"
    assert body_of(reply) == TEXT and footer_of(reply)
    ended = next(n for n, c in enumerate(slack.calls)
                 if c.response.get("error") == "message_not_in_streaming_state")
    assert not [c for c in slack.calls[ended + 1:] if c.method in STREAM_METHODS]
    assert "streaming_state_conflict" not in errors(slack)


async def test_a_stream_the_person_stopped_is_never_appended_to_again(slack, claude, make_bot):
    claude.default = Reply(text=TEXT, chunk_chars=8, delay=0.02)
    await make_bot(**NATIVE)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> stream it")
    await slack.wait_for(lambda: slack.calls_to("chat.appendStream"), what="the first append")
    [message] = slack.bot_messages()
    slack.stop_stream_by_user("C0GENERAL", message["ts"], "U0ALICE")
    [reply] = await answered(slack)
    assert reply["stopped_by"] == "U0ALICE" and footer_of(reply)
    ended = next(n for n, c in enumerate(slack.calls)
                 if c.response.get("error") == "message_not_in_streaming_state")
    assert not [c for c in slack.calls[ended + 1:] if c.method in STREAM_METHODS]
    assert "streaming_state_conflict" not in errors(slack)


async def test_a_native_answer_cut_by_shutdown_is_stopped_with_the_notice(
        slack, claude, make_bot):
    claude.default = Reply(text=TEXT * 4, chunk_chars=5, delay=0.05)
    bot = await make_bot(**NATIVE, SHUTDOWN_GRACE_SECONDS="0.3")
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> stream it")
    await slack.wait_for(lambda: slack.calls_to("chat.appendStream"), what="the first append")
    await bot.stop()
    [reply] = slack.bot_messages()
    assert "Interrupted" in notices_of(reply)[0] and TEXT.startswith(body_of(reply)[:40])
    assert still_streaming(slack) == [] and slack.calls_to("chat.update") == []
