"""Property tests: splitting a long answer never loses or duplicates text and always leaves
every message with balanced code fences, whether the text is split at once or as it streams."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reply.render import MARKDOWN_LIMIT, cut_overflow, fence_at_end, markdown_body

PIECES = st.sampled_from([
    "word ", "longerword ", "x" * 37, " ", "\n", "\n\n", "# Heading\n", "- item\n",
    "  - nested\n", "> quote\n", "`inline` ", "```python\n", "```\n", "~~~\n", "````md\n",
    "````\n", "| a | b |\n|---|---|\n| 1 | 2 |\n", "[link](https://example.com) ", "<@U123> ",
    "é", "😀", "\t",
])
TEXTS = st.lists(PIECES, max_size=120).map("".join)


def slices(text: str, cuts: list) -> list[tuple[str, object]]:
    starts = [(0, None), *cuts]
    ends = [s for s, _ in cuts] + [len(text)]
    return [(text[s:e], fence) for (s, fence), e in zip(starts, ends, strict=True)]


def unrender(body: str, fence, original: str) -> str:
    """Undo what rendering added: the re-opened fence on top, the closer at the bottom."""
    if fence is not None:
        body = body.removeprefix(fence.opener + "\n")
    return body[: len(original)]


def check(text: str, cuts: list, limit: int) -> None:
    parts = slices(text, cuts)
    assert "".join(p for p, _ in parts) == text  # nothing lost, nothing duplicated
    for part, fence in parts:
        assert 0 < len(part) <= limit or text == ""
        body = markdown_body(part, fence)
        assert fence_at_end(body) is None  # every fence closed in every message
        assert len(body) <= MARKDOWN_LIMIT
        assert unrender(body, fence, part) == part or "|" in part or "![" in part


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(min_value=40, max_value=400))
def test_split_at_once(text, limit):
    check(text, cut_overflow(text, 0, None, limit), limit)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(min_value=40, max_value=400), st.lists(st.integers(1, 50)))
def test_split_while_streaming_never_moves_a_cut(text, limit, steps):
    """Cut as the text grows (as the writer does): earlier cuts stay where they were."""
    cuts, shown = [], 0
    for step in [*steps, len(text)]:
        shown = min(len(text), shown + step)
        start, fence = cuts[-1] if cuts else (0, None)
        cuts += cut_overflow(text[:shown], start, fence, limit)
    check(text, cuts, limit)


@given(TEXTS)
def test_a_fence_reopened_in_a_continuation_keeps_its_language(text):
    text = "intro\n\n```python\n" + "print(1)\n" * 30 + text
    cuts = cut_overflow(text, 0, None, 100)
    first_start, first_fence = cuts[0]
    assert first_fence is not None and first_fence.opener == "```python"
    assert markdown_body(text[first_start:cuts[1][0] if len(cuts) > 1 else None],
                         first_fence).startswith("```python\n")
