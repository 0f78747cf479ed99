"""One of the bot's own messages read back in whatever form Slack stored it (pure)."""

from bot.conversation import said_by_bot
from bot.reply.render import message_payload
from bot.rich_text import rich_text_markdown
from bot.slack_text import escape, unescape

ANSWER = "If `a < b && c > d`, ping <@U0ALICE> (not <!channel>); write `&amp;` for &."


def test_escaped_text_comes_back_unchanged():
    escaped = escape(ANSWER)
    assert "<!channel>" not in escaped and "<@U0ALICE>" in escaped
    assert "&amp;amp;" in escaped and unescape(escaped) == ANSWER


def test_the_fallback_of_a_posted_answer_reads_back_exactly():
    payload = message_payload(ANSWER, notices=(":warning: The answer was cut off.",))
    assert said_by_bot({"text": payload["text"]}) == ANSWER  # Slack dropped the blocks


def test_translated_blocks_read_back_as_markdown():
    blocks = [
        {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
            {"type": "text", "text": "Use "},
            {"type": "text", "text": "x", "style": {"code": True}},
            {"type": "text", "text": " and "},
            {"type": "text", "text": "y", "style": {"bold": True}},
            {"type": "text", "text": ", see "},
            {"type": "link", "url": "https://x.test", "text": "docs"},
            {"type": "text", "text": " "}, {"type": "user", "user_id": "U0BOB"}]}]},
        {"type": "rich_text", "elements": [{"type": "rich_text_list", "style": "bullet",
                                            "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]},
            {"type": "rich_text_section", "elements": [{"type": "text", "text": "two"}]}]}]},
        {"type": "rich_text", "elements": [{"type": "rich_text_preformatted", "elements": [
            {"type": "text", "text": "a < b\n"}]}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": ":warning: Cut off."}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "footer"}]},
    ]
    expected = ("Use `x` and **y**, see [docs](https://x.test) <@U0BOB>\n\n- one\n- two\n\n"
                "```\na < b\n```")
    assert said_by_bot({"text": "", "blocks": blocks}) == expected
    assert rich_text_markdown(blocks[1]) == "- one\n- two"
