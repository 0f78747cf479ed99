"""Markdown → Slack payloads."""

from bot.reply.render import (
    Fence,
    fence_at_end,
    markdown_body,
    message_payload,
    slackify,
    split_index,
)


def test_half_received_code_fence_renders_as_code():
    body = markdown_body("Here:\n```python\nprint('hi')")
    assert body == "Here:\n```python\nprint('hi')\n```"


def test_fence_closed_only_when_open():
    assert markdown_body("```\nx\n```\ndone") == "```\nx\n```\ndone"


def test_fence_just_opened_is_closed_on_its_own_line():
    assert markdown_body("```js\n") == "```js\n```"


def test_inline_triple_backticks_are_not_a_fence():
    assert fence_at_end("use ```code``` inline") is None


def test_tilde_and_longer_fences():
    assert fence_at_end("~~~~\n```\nstill code") == Fence("~~~~", "~~~~")
    assert fence_at_end("````md\n```\n````") is None


def test_continuation_reopens_the_fence_with_its_language():
    fence = fence_at_end("text\n```python\nx = 1\n")
    assert markdown_body("y = 2\n```\nafter", fence) == "```python\ny = 2\n```\nafter"


def test_tables_become_aligned_code():
    table = "| name | qty |\n|---|--:|\n| apple | 3 |\n| kiwi | 12 |"
    assert slackify(f"Stock:\n{table}\n\nEnd") == (
        "Stock:\n```\nname   qty\n-----  ---\napple  3\nkiwi   12\n```\n\nEnd")


def test_tables_inside_code_are_left_alone():
    text = "```\n| a | b |\n|---|---|\n```"
    assert slackify(text) == text


def test_placeholder_payload_shows_thinking():
    payload = message_payload("")
    assert payload["text"] == "_Thinking…_"
    assert payload["blocks"] == [{"type": "section", "text": {"type": "mrkdwn",
                                                              "text": "_Thinking…_"}}]


def test_payload_with_notice_and_footer():
    payload = message_payload("**Hi**", notices=(":warning: cut",), footer="`m` · 1 in")
    assert [b["type"] for b in payload["blocks"]] == ["markdown", "section", "context"]
    assert payload["blocks"][0]["text"] == "**Hi**"
    assert payload["text"] == "**Hi**\n\n:warning: cut"


def test_split_prefers_a_blank_line_outside_code():
    text = "a" * 40 + "\n\n" + "```\n" + "b\n\nc\n" * 5 + "```\n" + "d" * 50
    cut = split_index(text, 60)
    assert text[:cut] == "a" * 40 + "\n\n"


def test_split_falls_back_to_lines_then_spaces_then_hard():
    assert split_index("x" * 30 + "\n" + "y" * 30, 40) == 31
    assert split_index("word " * 20, 42) == 40
    assert split_index("z" * 100, 40) == 40


PASS_THROUGH = [
    "# Heading\n\n## Sub-heading",
    "- one\n  - nested\n    - deeper\n- two\n\n1. first\n2. second",
    "> a quote\n> on two lines",
    "See [the docs](https://docs.slack.dev) and <https://example.com>.",
    "Use `pip install` or **bold**, _italic_, ~~strike~~.",
    "```bash\necho hi | grep h\n```",
    "Ask <@U0ALICE> or <#C0GENERAL>.",
    "a < b && c > d",
]


def test_markdown_slack_renders_passes_through_unchanged():
    for text in PASS_THROUGH:
        assert markdown_body(text) == text


def test_images_become_links_outside_code():
    assert slackify("![chart](https://x.test/c.png)") == "[chart](https://x.test/c.png)"
    code = "```\n![chart](https://x.test/c.png)\n```"
    assert slackify(code) == code


def test_table_with_escaped_pipes_and_ragged_rows():
    text = "| cmd | meaning |\n|---|---|\n| `a \\| b` | pipe |\n| solo |"
    assert slackify(text) == (
        "```\ncmd       meaning\n--------  -------\n`a \\| b`  pipe\nsolo\n```")


def test_a_table_too_wide_to_fit_is_left_as_markdown():
    rows = ["| " + "w" * 120 + " | x |"] + ["| a | b |"] * 150
    text = "| h | i |\n|---|---|\n" + "\n".join(rows)
    assert len(slackify(text)) > 12_000
    assert markdown_body(text) == text
