"""While an answer streams, no marker shows that nothing closes yet (`**Offlin`)."""

import pytest

from bot.reply.emphasis import without_open_markers
from bot.reply.render import markdown_body, message_payload


@pytest.mark.parametrize("streamed, shown", [
    ("**Offlin", "Offlin"),
    ("The **Offline** stand-in", "The **Offline** stand-in"),
    ("The **Offline** stand-in *is rea", "The **Offline** stand-in is rea"),
    ("Run `pip inst", "Run pip inst"),
    ("Run `pip install` and **then", "Run `pip install` and then"),
    ("code ``a ` b`` **x", "code ``a ` b`` x"),
    ("`**not emphasis**` here", "`**not emphasis**` here"),
    ("ends with **", "ends with "),
    ("ends with a*", "ends with a"),
    ("~~gone", "gone"),
    ("__init__ and snake_case_name", "__init__ and snake_case_name"),
    ("2 * 3 = 6", "2 * 3 = 6"),
    ("* a bullet", "* a bullet"),
    (r"an \*escaped star", r"an \*escaped star"),
    ("**bold _and it", "bold and it"),
])
def test_markers_nothing_closes_yet_are_not_shown(streamed, shown):
    assert without_open_markers(streamed) == shown


def test_only_the_last_paragraph_of_a_streaming_answer_is_touched():
    earlier = "A *lone star that never closes.\n\n"
    assert markdown_body(earlier + "Now **bol", streaming=True) == earlier + "Now bol"
    code = "```\nx = '**'\n\ny = 1\n```\n"
    assert markdown_body(code + "and **mo", streaming=True) == code + "and mo"


def test_code_still_streaming_is_left_to_the_fence_rule():
    assert markdown_body("```python\nx = '**", streaming=True) == "```python\nx = '**\n```"


def test_a_finished_answer_is_shown_as_written():
    assert markdown_body("**Offlin") == "**Offlin"
    final = message_payload("A **lone", footer="f")["blocks"][0]["text"]
    assert final == "A **lone"
    streaming = message_payload("A **lone", streaming=True)["blocks"][0]["text"]
    assert streaming == "A lone"
