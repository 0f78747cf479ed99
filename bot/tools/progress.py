"""How a tool call reads in Slack (pure): one line per call — 🔎 searching the web for "query",
📄 reading host/path, ⚙️ running code, 💬 searching Slack for "query", 🔧 SERVER: TOOL — marked
done (with the number of results where there is one) or failed with a plain reason; more than
five calls collapse to one line; and the footer's counts ("2 searches · 1 fetch")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_LINES = 5  # beyond this the calls collapse into one line
LINE_LIMIT = 100  # characters of one line's title; a long query is clipped
ICONS = {"web_search": "🔎", "web_fetch": "📄", "code_execution": "⚙️", "slack_search": "💬",
         "mcp": "🔧", "tool": "🔧"}
# (singular, plural) for the collapsed line and the footer
NOUNS = {"web_search": ("search", "searches"), "web_fetch": ("fetch", "fetches"),
         "code_execution": ("code run", "code runs"), "slack_search": ("Slack search",
                                                                       "Slack searches"),
         "mcp": ("tool call", "tool calls"), "tool": ("tool call", "tool calls")}
_COLLAPSED_NOUNS = {**NOUNS, "web_fetch": ("page", "pages")}
# Error codes inside tool results (anthropic/types/*_tool_result_error_code.py) in plain words.
REASONS = {
    "too_many_requests": "too many requests right now",
    "unavailable": "the tool is unavailable right now",
    "url_not_accessible": "page not reachable",
    "url_not_allowed": "that site is not allowed here",
    "url_not_in_prior_context": "that address had not come up in the conversation",
    "url_too_long": "the address is too long",
    "unsupported_content_type": "that kind of page can't be read",
    "content_too_large": "the page is too large",
    "query_too_long": "the search was too long",
    "request_too_large": "the search was too large",
    "invalid_tool_input": "Claude asked for it in a way the tool did not accept",
    "execution_time_exceeded": "the code ran too long",
    "output_file_too_large": "a file it made was too large",
}
_LIMIT_REACHED = {"web_search": "search limit reached", "web_fetch": "page limit reached"}


def reason_for(tool: str, code: str | None) -> str:
    if code == "max_uses_exceeded":
        return _LIMIT_REACHED.get(tool, "limit reached")
    return REASONS.get(code or "", f"it failed ({code})" if code else "it failed")


@dataclass
class Step:
    """One tool call of an answer as the person sees it."""

    id: str  # the tool use id
    tool: str  # web_search, web_fetch, code_execution, slack_search, mcp, tool
    subject: str = ""  # the query, host/path, or "SERVER: TOOL"
    status: str = "in_progress"  # in_progress, complete, error (Slack's task statuses)
    count: int | None = None  # results, when the tool has them
    reason: str | None = None  # why it failed, in plain words

    @property
    def title(self) -> str:
        return f"{ICONS.get(self.tool, '🔧')} {self.words}"

    @property
    def doing(self) -> str:
        """The call as Slack's thread status reads it after the app's name ("is reading …")."""
        if self.tool in ("mcp", "tool") and self.subject:
            return f"is using {self.words}"
        return f"is {self.words}"

    @property
    def words(self) -> str:
        subject = _clip(self.subject, LINE_LIMIT)
        if self.tool == "web_search":
            words = f'searching the web for "{subject}"' if subject else "searching the web"
        elif self.tool == "web_fetch":
            words = f"reading {subject}" if subject else "reading a page"
        elif self.tool == "code_execution":
            words = "running code"
        elif self.tool == "slack_search":
            words = f'searching Slack for "{subject}"' if subject else "searching Slack"
        else:
            words = subject or "using a tool"
        return words

    @property
    def output(self) -> str | None:
        """What came of it: "5 results", a failure's reason, or None while it runs."""
        if self.status == "error":
            return self.reason or "it failed"
        if self.status == "complete" and self.count is not None:
            return f"{self.count} result" + ("" if self.count == 1 else "s")
        return None

    @property
    def line(self) -> str:
        if self.status == "complete":
            return f"{self.title} — done" + (f", {self.output}" if self.output else "")
        if self.status == "error":
            return f"{self.title} — failed: {self.output}"
        return f"{self.title} …"


def cut_short(steps: Iterable[Step], reason: str) -> bool:
    """Mark calls still running as failed for `reason` (the answer ended without their result:
    stopped, failed, or paused once too often); whether any was."""
    running = [step for step in steps if step.status == "in_progress"]
    for step in running:
        step.status, step.reason = "error", reason
    return bool(running)


def progress_lines(steps: Sequence[Step]) -> list[str]:
    """The lines shown above the answer: one per call, or one for all when there are many."""
    if len(steps) <= MAX_LINES:
        return [step.line for step in steps]
    return [" · ".join(f"{ICONS[tool]} {_count(n, _COLLAPSED_NOUNS[tool])}"
                       for tool, n in Counter(s.tool for s in steps).items())]


def footer_counts(steps: Iterable[Step]) -> str | None:
    """"2 searches · 1 fetch", or None without tool calls."""
    counts = Counter(step.tool for step in steps)
    return " · ".join(_count(n, NOUNS[tool]) for tool, n in counts.items()) or None


def _count(n: int, nouns: tuple[str, str]) -> str:
    return f"{n} {nouns[0] if n == 1 else nouns[1]}"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
