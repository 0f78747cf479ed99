"""Claude's Markdown → Slack message payloads, and where a long answer splits (pure).

The answer text only ever grows, so a message is a fixed slice of it: `[start, end)` plus the
code fence that was open at `start` (re-opened at the top of the message so code stays code).
Display-only changes (closing a fence that is still streaming, tables as aligned code) never
alter the slices, which is what keeps splitting free of loss and duplication.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.feedback import FEEDBACK_CHARACTERS, feedback_block

# Slack: all `markdown` blocks of one message share 12,000 characters, and the text of all its
# blocks together must stay under about 12,000 too (`msg_blocks_too_long`, refused at as little
# as ~11,300: bolt-js#2509, #2867), so quoted question, answer, notices and footer of one message
# share BLOCKS_LIMIT. Slices are cut at a smaller raw size so re-opened fences still fit.
MARKDOWN_LIMIT = 12_000
BLOCKS_LIMIT = 11_000
FENCE_ROOM = 200  # a fence re-opened on top of a slice (≤ 80) and one closed at its bottom
SLICE_LIMIT = 10_000
MIN_SLICE = 1_000
TEXT_LIMIT = 40_000
SECTION_LIMIT = 3_000
THINKING = "_Thinking…_"

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
_TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class Fence:
    """A code fence that is open: its marker (``` or ~~~, maybe longer) and opening line."""

    marker: str
    opener: str  # re-opened at the top of a continuation, so the language is kept

MAX_OPENER = 80  # a longer info string is not a language: re-open with the bare marker


def _fence_step(line: str, fence: Fence | None) -> Fence | None:
    match = _FENCE.match(line)
    if not match:
        return fence
    marker, info = match.group(1), match.group(2)
    if fence is None:
        if marker[0] == "`" and "`" in info:  # ```inline``` on one line is not a fence
            return None
        opener = line.strip()
        return Fence(marker, opener if len(opener) <= MAX_OPENER else marker)
    if marker[0] == fence.marker[0] and len(marker) >= len(fence.marker) and not info.strip():
        return None
    return fence


def fence_at_end(text: str, fence: Fence | None = None) -> Fence | None:
    """The fence still open after `text`, given the one open before it."""
    for line in text.split("\n"):
        fence = _fence_step(line, fence)
    return fence


def split_index(segment: str, limit: int, fence: Fence | None = None) -> int:
    """Where to cut `segment` so its first part is at most `limit` characters: after a blank
    line outside code if there is one in the second half, else after a blank line or code
    fence anywhere, else at a line end, a space, or (last resort) exactly at the limit."""
    if len(segment) <= limit:
        return len(segment)
    outside_blank = blank = line_end = 0
    offset = 0
    for line in segment[:limit].split("\n")[:-1]:
        offset += len(line) + 1
        fence_before = fence
        fence = _fence_step(line, fence)
        line_end = offset
        if not line.strip():
            blank = offset
            if fence is None:
                outside_blank = offset
        elif fence_before is not None and fence is None:  # right after a closing fence
            outside_blank = offset
    half = limit // 2
    for cut in (outside_blank, blank, line_end):
        if cut >= half:
            return cut
    space = segment.rfind(" ", half, limit)
    if space > 0:
        return space + 1
    return max(cut for cut in (outside_blank, blank, line_end, limit) if cut > 0)


def cut_overflow(text: str, start: int, fence: Fence | None,
                 limit: int = SLICE_LIMIT) -> list[tuple[int, Fence | None]]:
    """Where the slice beginning at `start` (with `fence` open there) must be cut as `text`
    outgrows one message: the starts of the new slices, each with the fence open at it."""
    cuts = []
    while len(text) - start > limit:
        segment = text[start:]
        cut = split_index(segment, limit, fence)
        fence = fence_at_end(segment[:cut], fence)
        start += cut
        cuts.append((start, fence))
    return cuts


def _table_cells(line: str) -> list[str]:
    cells = line.strip()
    cells = cells[1:] if cells.startswith("|") else cells
    cells = cells[:-1] if cells.endswith("|") and not cells.endswith("\\|") else cells
    return [c.strip() for c in re.split(r"(?<!\\)\|", cells)]


def _aligned_table(rows: list[list[str]]) -> list[str]:
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    sizes = [max(len(r[i]) for r in rows) for i in range(width)]
    lines = ["  ".join(c.ljust(s) for c, s in zip(r, sizes, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * s for s in sizes))
    return lines


_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")


def slackify(text: str) -> str:
    """What Slack does not draw, outside code: GFM tables become aligned monospace code
    blocks, and images (`![alt](url)`) become links."""
    lines = text.split("\n")
    out: list[str] = []
    fence: Fence | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        is_table = (fence is None and "|" in line and i + 1 < len(lines)
                    and "-" in lines[i + 1] and _TABLE_DELIMITER.match(lines[i + 1])
                    and "|" in lines[i + 1] + line.strip()[1:])
        if not is_table:
            was_code = fence is not None
            fence = _fence_step(line, fence)
            out.append(line if was_code or fence else _IMAGE.sub(r"[\1](\2)", line))
            i += 1
            continue
        rows = [_table_cells(line)]
        i += 2
        while i < len(lines) and "|" in lines[i] and lines[i].strip():
            rows.append(_table_cells(lines[i]))
            i += 1
        out += ["```", *_aligned_table(rows), "```"]
    return "\n".join(out)


def markdown_body(segment: str, fence: Fence | None = None, room: int = MARKDOWN_LIMIT) -> str:
    """The Markdown shown for one message's slice: the fence open at its start re-opened,
    tables drawn as code (unless that outgrows `room`), and a fence still open at its end
    closed so code renders as code."""
    body = (fence.opener + "\n" if fence else "") + segment
    still_open = fence_at_end(segment, fence)
    if still_open is not None:
        body += ("" if body.endswith("\n") else "\n") + still_open.marker
    drawn = slackify(body)
    return drawn if len(drawn) <= min(room, MARKDOWN_LIMIT) else body


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _extras(header: str | None, notices: tuple[str, ...], footer: str | None) -> int:
    """Characters the blocks around the answer's text take."""
    return sum(len(_clip(x, SECTION_LIMIT)) for x in (header, *notices, footer) if x)


def slice_room(header: str | None = None, notices: tuple[str, ...] = (),
               footer: str | None = None, limit: int = SLICE_LIMIT, reserve: int = 0) -> int:
    """How much raw answer text one message holds next to its header, notices and footer
    (and `reserve` characters kept for tool progress and sources)."""
    return max(MIN_SLICE, min(limit, BLOCKS_LIMIT - FENCE_ROOM - reserve
                              - _extras(header, notices, footer)))


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def message_payload(segment: str, fence: Fence | None = None, *, notices: tuple[str, ...] = (),
                    footer: str | None = None, header: str | None = None,
                    feedback: str | None = None, progress: str | None = None,
                    sources: str | None = None) -> dict:
    """`text` (the plain notification fallback) and `blocks` for one message; `header` (mrkdwn)
    heads it, as the quoted question heads a /claude answer; `feedback` (the answered message's
    ts) adds the 👍 / 👎 buttons at the very bottom, under the footer. `progress` (tool calls)
    goes above the answer's text and `sources` under it, each as a context block."""
    room = BLOCKS_LIMIT - _extras(header, notices, footer) - (FEEDBACK_CHARACTERS
                                                               if feedback else 0)
    room -= len(progress or "") + len(sources or "")
    body = markdown_body(segment, fence, room) if segment.strip() else ""
    blocks: list[dict] = []
    if header:
        blocks.append({"type": "section",
                       "text": {"type": "mrkdwn", "text": _clip(header, SECTION_LIMIT)}})
    if progress:
        blocks.append(_context(progress))
    if body:
        blocks.append({"type": "markdown", "text": body})
    if sources:
        blocks.append(_context(sources))
    for notice in notices:
        blocks.append({"type": "section",
                       "text": {"type": "mrkdwn", "text": _clip(notice, SECTION_LIMIT)}})
    if footer:
        blocks.append(_context(_clip(footer, SECTION_LIMIT)))
    if feedback:
        blocks.append(feedback_block(feedback))
    if not body and not notices and not footer:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": THINKING}})
    shown = segment.strip() or (THINKING if not notices and not footer else "")
    fallback = "\n\n".join(p for p in (header, shown, *notices) if p) or THINKING
    return {"text": _clip(fallback, TEXT_LIMIT), "blocks": blocks}
