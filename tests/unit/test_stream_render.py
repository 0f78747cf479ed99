"""Native streaming draws an answer as edit mode does: what it may append while the answer
grows never has to change later (pure)."""

import pytest

from bot.reply.render import settled_markdown, shown_markdown

TABLE = "| Name | Age |\n|:-----|----:|\n| Ada | 36 |\n| Grace | 45 |"
ANSWERS = [
    f"Here are the people:\n\n{TABLE}\n\nAnd a chart: ![chart](https://x.test/c.png) done.\n",
    f"Before\n{TABLE}\nAfter the table, a line with no pipe.",
    "```sh\nls | wc -l\n| not | a table |\n|---|---|\n```\n\nThen ![a](b) and !bang.",
    f"Two tables:\n\n{TABLE}\n\n{TABLE}",
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_every_prefix_draws_the_start_of_the_final_drawing(answer):
    final = shown_markdown(answer)
    previous = ""
    for end in range(len(answer) + 1):
        now = settled_markdown(answer[:end])
        assert final.startswith(now), (end, now)
        assert now.startswith(previous), (end, now)
        previous = now


def test_tables_and_images_are_drawn_as_in_an_edit():
    final = shown_markdown(ANSWERS[0])
    assert "```\nName   Age\n-----  ---\nAda    36\nGrace  45\n```" in final
    assert "[chart](https://x.test/c.png)" in final and "![" not in final
    assert settled_markdown(ANSWERS[0][:30]) == "Here are the people:\n\n"  # the table waits
    assert settled_markdown("See ![chart](https://x.te") == "See "
    assert settled_markdown("Plain words stream as they come") == \
        "Plain words stream as they come"
