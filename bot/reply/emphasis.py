"""While an answer streams, its last paragraph may end inside `**bold` or `` `code``: Slack
would show the bare marker (`**Offlin`) until the closing one arrives. Display only, pure: the
answer's text itself is never changed."""

from __future__ import annotations

import re

_RUN = re.compile(r"\\.|`+|\*+|_+|~+")  # an escape, or a run of one marker character


def without_open_markers(paragraph: str) -> str:
    """`paragraph` without the emphasis, strike and code markers that nothing closes (yet),
    nor a marker run at its very end that may still become one. Markers inside code spans,
    escaped ones, list bullets (`* `) and underscores within words are left alone."""
    hidden: list[tuple[int, int]] = []  # (start, end) of runs not to show
    openers: list[tuple[int, str]] = []
    pos = 0
    while match := _RUN.search(paragraph, pos):
        run, start, pos = match.group(), match.start(), match.end()
        if run[0] == "\\":
            continue
        if run[0] == "`":
            close = _closing_backticks(paragraph, run, pos)
            if close is None:  # code still streaming: its opener goes, the rest is as typed
                hidden.append((start, pos))
                break
            pos = close
            continue
        before = paragraph[start - 1] if start else " "
        after = paragraph[pos] if pos < len(paragraph) else ""
        if run[0] == "_" and before.isalnum() and after.isalnum():
            continue  # snake_case
        opens = after != "" and not after.isspace()
        closes = not before.isspace()
        mate = next((i for i in range(len(openers) - 1, -1, -1)
                     if openers[i][1][0] == run[0]), None) if closes else None
        if mate is not None:
            del openers[mate:]  # closed; anything opened inside it stays as typed
        elif opens:
            openers.append((start, run))
        elif after == "":
            hidden.append((start, pos))  # the end of the text so far: may open next
    hidden += [(start, start + len(run)) for start, run in openers]
    for start, end in sorted(hidden, reverse=True):
        paragraph = paragraph[:start] + paragraph[end:]
    return paragraph


def _closing_backticks(text: str, run: str, pos: int) -> int | None:
    """The end of the backtick run of exactly `run`'s length that closes a code span."""
    for match in re.finditer(r"`+", text[pos:]):
        if match.group() == run:
            return pos + match.end()
    return None
