"""Citations and tool progress as Slack shows them (pure): a numbered marker linked to its source
right after cited text (`[[1]](url)`, a Markdown link in the `markdown` block), the numbered
source list of one message (only the sources its own text cites), and the progress lines above
the answer. Markers are stripped again when the bot reads its own answers back for Claude."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from bot.slack_text import escape_all
from bot.tools.calls import Source

# Room kept for them in every message, so the all-block character cap holds however many
# calls and sources come later (a sealed message never grows past it).
PROGRESS_ROOM = 600
SOURCES_ROOM = 1_500
_MARKER = re.compile(r"\[\[(\d+)\]\]\([^)\s]+\)")


def strip_markers(text: str) -> str:
    """The answer's plain text, without citation markers."""
    return _MARKER.sub("", text)


def _link_url(url: str) -> str:
    """The URL as a Markdown link target: no spaces or parentheses to end it early."""
    return quote(url, safe=":/?#[]@!$&'*+,;=%~")


def _mrkdwn(text: str) -> str:
    return escape_all(text).replace("|", "¦")


class SourceBook:
    """One answer's sources, numbered in the order first cited; one number per URL."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._sources: list[Source] = []

    def markers(self, sources: Iterable[Source]) -> str:
        found = []
        for source in sources:
            if source.url not in self._numbers:
                self._sources.append(source)
                self._numbers[source.url] = len(self._sources)
            number = self._numbers[source.url]
            found.append(f"[[{number}]]({_link_url(source.url)})")
        return "".join(dict.fromkeys(found))

    def listed(self, text: str) -> str | None:
        """The source list for a message whose answer text is `text` (None: it cites none)."""
        numbers = dict.fromkeys(int(n) for n in _MARKER.findall(text))
        lines = ["*Sources*"]
        for number in numbers:
            if not 0 < number <= len(self._sources):
                continue
            source = self._sources[number - 1]
            name = source.title.strip() or urlsplit(source.url).netloc or source.url
            line = f"{number}. <{source.url}|{_mrkdwn(name)[:150]}>"
            if sum(len(x) + 1 for x in lines) + len(line) > SOURCES_ROOM:
                lines.append("…")
                break
            lines.append(line)
        return "\n".join(lines) if len(lines) > 1 else None


def progress_block_text(lines: list[str]) -> str | None:
    """The progress lines as one context block's text, within PROGRESS_ROOM."""
    text = "\n".join(lines)
    return text if len(text) <= PROGRESS_ROOM else text[: PROGRESS_ROOM - 1] + "…"
