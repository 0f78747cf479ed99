"""SLACK_STREAMING=native: chat.startStream / appendStream / stopStream, falling back
to chat.update when Slack ends the stream early or will not stream at all."""

import pytest

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of, no_stuck_placeholders

NATIVE = {"SLACK_STREAMING": "native"}
TEXT = "Streaming the native way, a few words at a time. " * 6


async def test_answer_streams_natively_with_the_footer_in_stop(slack, claude, make_bot):
    claude.default = Reply(text=TEXT, chunk_chars=8, delay=0.01, input_tokens=50,
                           output_tokens=70)
    await make_bot(**NATIVE)
    mention = await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> stream it")
    [reply] = await answered(slack)
    [start] = slack.calls_to("chat.startStream")
    assert (start.params["thread_ts"], start.params["recipient_user_id"],
            start.params["recipient_team_id"]) == (mention["ts"], "U0ALICE", slack.team_id)
    appends = slack.calls_to("chat.appendStream")
    assert len(appends) >= 2
    [stop] = slack.calls_to("chat.stopStream")
    streamed = "".join(a.params["markdown_text"] for a in appends)
    assert streamed + stop.params.get("markdown_text", "") == TEXT  # appends carry the new text
    assert reply["text"] == TEXT and body_of(reply) == TEXT
    assert footer_of(reply).startswith("`claude-sonnet-5-5` · 50 in · 70 out")
    assert slack.calls_to("chat.postMessage") == [] and slack.calls_to("chat.update") == []


async def test_a_stream_ended_early_by_slack_falls_back_to_edits(slack, claude, make_bot):
    claude.default = Reply(text=TEXT, chunk_chars=8, delay=0.02)
    await make_bot(**NATIVE)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> stream it")
    await slack.wait_for(lambda: slack.calls_to("chat.appendStream"), what="the first append")
    slack.expire_streams()
    [reply] = await answered(slack)
    assert body_of(reply) == TEXT and footer_of(reply)
    assert any(c.response.get("error") == "message_not_in_streaming_state"
               for c in slack.calls if c.method.startswith("chat.") and "Stream" in c.method)
    assert slack.calls_to("chat.update")
    assert no_stuck_placeholders(slack)


async def test_when_slack_will_not_stream_the_answer_is_edited_in(slack, claude, make_bot):
    await make_bot(**NATIVE)
    slack.fail_next("chat.startStream", status=429, retry_after=30)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> stream it")
    [reply] = await answered(slack)
    assert body_of(reply) == "Hello from the test Claude."
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_a_long_native_answer_continues_in_further_messages(slack, claude, make_bot):
    text = "\n\n".join(f"Paragraph {n}. " + "words " * 300 for n in range(10))
    claude.default = Reply(text=text, chunk_chars=500, delay=0.005)
    await make_bot(**NATIVE)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> a lot")
    await answered(slack)
    messages = slack.bot_messages()
    assert len(messages) >= 2 and footer_of(messages[-1])
    assert "".join(body_of(m) for m in messages) == text
    assert all(len(body_of(m)) <= 12_000 for m in messages)


TABLE_ANSWER = ("People:\n\n| Name | Age |\n|---|---:|\n| Ada | 36 |\n| Grace | 45 |\n\n"
                "Chart: ![ages](https://x.test/ages.png)\n\n```\nls | wc -l\n```")
DRAWN = ("People:\n\n```\nName   Age\n-----  ---\nAda    36\nGrace  45\n```\n\n"
         "Chart: [ages](https://x.test/ages.png)\n\n```\nls | wc -l\n```")


@pytest.mark.parametrize("mode", [{}, NATIVE], ids=["edit", "native"])
async def test_tables_and_images_are_drawn_the_same_in_both_modes(slack, claude, make_bot,
                                                                  mode):
    claude.default = Reply(text=TABLE_ANSWER, chunk_chars=5, delay=0.005)
    await make_bot(**mode)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> who?")
    [reply] = await answered(slack)
    assert body_of(reply) == DRAWN
    if mode:  # streamed whole, each append already drawn: no raw table row, no image syntax
        appends = [a.params["markdown_text"] for a in slack.calls_to("chat.appendStream")]
        assert appends and not any("| Ada" in a or "![" in a for a in appends)
        assert slack.calls_to("chat.update") == []


async def test_a_streamed_line_that_turns_out_to_head_a_table_is_redrawn(slack, claude,
                                                                         make_bot):
    text = "Intro.\n\nName | Age\n---|---\nAda | 36\n\nEnd."
    claude.default = Reply(text=text, hold_at=len("Intro.\n\nName"))
    await make_bot(**NATIVE)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> who?")
    await slack.wait_for(lambda: "".join(a.params["markdown_text"] for a in slack.calls_to(
        "chat.appendStream")) == "Intro.\n\nName", what="the line streamed before its pipe")
    claude.resume()
    [reply] = await answered(slack)
    assert body_of(reply) == "Intro.\n\n```\nName  Age\n----  ---\nAda   36\n```\n\nEnd."
    assert slack.calls_to("chat.stopStream") and slack.calls_to("chat.update")
