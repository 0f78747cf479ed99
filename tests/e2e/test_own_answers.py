"""The bot reads its own earlier answers back from conversations.replies, whatever form Slack
stored them in: `markdown` blocks as posted, or translated (rich_text), with the `text` fallback
escaped by Slack (`&lt;`, `&amp;`) or, for a streamed message, missing. Claude always gets its
earlier answer back exactly, never with Slack's entities and never lost."""

import pytest

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered

CH = "C0GENERAL"
ANSWER = ("Use `a < b && c`, *carefully*:\n\n```\nif a < b and b > 0:\n"
          "    print('<ok> & done')\n```\n\nDone.")
# An entity Claude wrote itself comes back as written where the bot posts the text (edit mode);
# a streamed text is Slack's to store, and Slack keeps an entity as one.
ENTITY = ANSWER.replace("Done.", "Write `&amp;` for `&`. Done.")
EDIT, NATIVE = {}, {"SLACK_STREAMING": "native"}


@pytest.mark.parametrize(("slack", "mode", "answer"), [
    ({}, EDIT, ENTITY),
    ({"translate_markdown": True}, EDIT, ENTITY),
    ({}, NATIVE, ANSWER),
    ({"translate_markdown": True}, NATIVE, ANSWER),
    ({"translate_markdown": True, "stream_text": False}, NATIVE, ANSWER),
], indirect=["slack"], ids=["as-posted", "translated", "native", "native-translated",
                           "native-no-text"])
async def test_an_earlier_answer_comes_back_to_claude_exactly(slack, claude, make_bot, mode,
                                                              answer):
    claude.default = Reply(text=answer)
    await make_bot(**mode)
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> how do I compare?")
    await answered(slack, CH)
    await slack.user_message(CH, "U0ALICE", "<@UBOT> and then?", thread_ts=root["ts"])
    await answered(slack, CH, count=2)
    turns = claude.requests[-1].body["messages"]
    assert [t["role"] for t in turns] == ["user", "assistant", "user"]
    assert turns[1]["content"] == [{"type": "text", "text": answer}]


async def test_an_answer_shown_as_plain_text_comes_back_without_its_footer(slack, claude,
                                                                           make_bot):
    claude.default = Reply(text=ANSWER)
    await make_bot()
    slack.fail_next("chat.update", status=200, error="invalid_blocks", retry_after=None)
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> how do I compare?")
    await slack.wait_for(lambda: any("`claude-sonnet-5-5` · " in m["text"]
                                     for m in slack.bot_messages(CH)),
                         what="the answer in plain text, with its footer")
    await slack.user_message(CH, "U0ALICE", "<@UBOT> and then?", thread_ts=root["ts"])
    await answered(slack, CH)
    turns = claude.requests[-1].body["messages"]
    assert turns[1]["content"] == [{"type": "text", "text": ANSWER}]
