"""The Slack test double stores what an app posts as Slack does: bare `&`, `<`, `>` in `text`
come back from conversations.replies escaped (entities and control sequences kept), and, when
asked, `markdown` blocks come back translated to rich_text and a streamed message without its
text. Exercised with the real slack_sdk client."""

from __future__ import annotations

import pytest

POSTED = "if a < b && c > d: <@U0ALICE> see <https://x.test/a?b=1&c=2|the docs> &lt;tag&gt;"
STORED = ("if a &lt; b &amp;&amp; c &gt; d: <@U0ALICE> see <https://x.test/a?b=1&c=2|the docs> "
          "&lt;tag&gt;")
ANSWER = "Use `a < b`:\n\n```\nif a < b:\n    pass\n```\n\nDone."


async def replies(web, root: str) -> list[dict]:
    return (await web.conversations_replies(channel="C1", ts=root))["messages"]


async def test_text_comes_back_escaped_as_slack_stores_it(slack, web):
    root = slack.add_message("C1", user="U0ALICE", text="question")
    posted = await web.chat_postMessage(channel="C1", thread_ts=root["ts"], text=POSTED)
    assert (await replies(web, root["ts"]))[1]["text"] == STORED
    await web.chat_update(channel="C1", ts=posted["ts"], text="x > y")
    assert (await replies(web, root["ts"]))[1]["text"] == "x &gt; y"


async def test_markdown_blocks_are_kept_unless_slack_translates_them(slack, web):
    root = slack.add_message("C1", user="U0ALICE", text="question")
    blocks = [{"type": "markdown", "text": ANSWER}]
    await web.chat_postMessage(channel="C1", thread_ts=root["ts"], text=ANSWER, blocks=blocks)
    assert (await replies(web, root["ts"]))[1]["blocks"] == blocks
    slack.translate_markdown = True
    await web.chat_postMessage(channel="C1", thread_ts=root["ts"], text=ANSWER, blocks=blocks)
    stored = (await replies(web, root["ts"]))[2]["blocks"]
    assert [b["type"] for b in stored] == ["rich_text"] * 3
    assert stored[0]["elements"][0]["elements"] == [
        {"type": "text", "text": "Use "},
        {"type": "text", "text": "a < b", "style": {"code": True}},
        {"type": "text", "text": ":"}]
    assert stored[1]["elements"] == [{"type": "rich_text_preformatted", "elements": [
        {"type": "text", "text": "if a < b:\n    pass"}]}]


@pytest.mark.parametrize("slack", [{"translate_markdown": True, "stream_text": False}],
                         indirect=True)
async def test_a_streamed_message_may_be_stored_without_its_text(slack, web):
    root = slack.add_message("C1", user="U0ALICE", text="question")
    started = await web.chat_startStream(channel="C1", thread_ts=root["ts"],
                                         recipient_user_id="U0ALICE", recipient_team_id="T0TEAM")
    await web.chat_appendStream(channel="C1", ts=started["ts"], markdown_text=ANSWER)
    await web.chat_stopStream(channel="C1", ts=started["ts"])
    [_, streamed] = await replies(web, root["ts"])
    assert streamed["text"] == "" and [b["type"] for b in streamed["blocks"]] == ["rich_text"] * 3
