"""What the stream says about tools, read from the anthropic SDK's events and block types: a
tool call starting (`server_tool_use`, `mcp_tool_use`, a client `tool_use`; its input is whole
at content_block_stop), its result arriving whole (`*_tool_result`, errors inside HTTP 200 as
`*_tool_result_error`), cited text (`citations` on a text block, known at its
content_block_stop), and files code execution made (`file_id` in code execution output)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.tools.names import SLACK_SEARCH
from bot.tools.progress import Step, reason_for

CALLS = ("server_tool_use", "mcp_tool_use", "tool_use")
_CODE = ("code_execution", "bash_code_execution", "text_editor_code_execution")
_CLIENT_TOOLS = {"search_slack": SLACK_SEARCH}  # the name Claude calls → its tool


@dataclass(frozen=True)
class Source:
    url: str
    title: str = ""  # the host stands in when there is none


def tool_of(block) -> str:
    if block.type == "mcp_tool_use":
        return "mcp"
    if block.name in _CODE:
        return "code_execution"
    if block.type == "tool_use":
        return _CLIENT_TOOLS.get(block.name, "tool")
    return block.name if block.name in ("web_search", "web_fetch") else "tool"


def subject_of(block, tool: str) -> str:
    given = block.input if isinstance(block.input, dict) else {}
    if tool in ("web_search", "slack_search"):
        return str(given.get("query") or "")
    if tool == "web_fetch":
        url = urlsplit(str(given.get("url") or ""))
        return (url.netloc + url.path.rstrip("/")) or str(given.get("url") or "")
    if tool == "mcp":
        return f"{getattr(block, 'server_name', '')}: {block.name}"
    if tool == "tool":
        return block.name
    return ""


def _outcome(result) -> tuple[str, int | None, str | None]:
    """(status, result count, error code) of a result block."""
    content = getattr(result, "content", None)
    if result.type == "mcp_tool_result":
        return ("error" if result.is_error else "complete"), None, None
    if isinstance(content, list):  # web search results
        return "complete", len(content), None
    kind = getattr(content, "type", "")
    if kind.endswith("_error"):
        return "error", None, getattr(content, "error_code", None)
    return "complete", None, None


def files_of(result) -> list[str]:
    """file ids of what code execution made, from a *code_execution_tool_result block."""
    inner = getattr(getattr(result, "content", None), "content", None)
    if not isinstance(inner, list):
        return []
    return [item.file_id for item in inner if getattr(item, "file_id", None)]


@dataclass
class ToolWatch:
    """Follows one answer's stream (every segment): tells `on_steps` all calls so far each time
    one starts or ends, and `on_cite` the sources of each cited text block when it ends; keeps
    the files code execution made."""

    on_steps: Callable[[tuple[Step, ...]], None]
    on_cite: Callable[[list[Source]], None]
    steps: dict[str, Step] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    _pages: dict[str, str] = field(default_factory=dict)  # fetched page title → url
    _last_page: str = ""

    container: object = None  # code execution's container, from message_delta

    def event(self, event) -> None:
        kind = event.type
        if kind == "message_delta" and getattr(event.delta, "container", None):
            self.container = event.delta.container
        elif kind == "content_block_start":
            block = event.content_block
            if block.type in CALLS:
                self._started(block)
            elif block.type.endswith("_tool_result"):
                self._finished(block)
        elif kind == "content_block_stop":
            block = event.content_block
            if block.type in CALLS and block.id in self.steps:
                step = self.steps[block.id]
                step.subject = subject_of(block, step.tool)
                self._changed()
            elif block.type == "text" and block.citations:
                sources = [s for c in block.citations if (s := self._source(c))]
                if sources:
                    self.on_cite(list(dict.fromkeys(sources)))

    def _started(self, block) -> None:
        tool = tool_of(block)
        self.steps[block.id] = Step(block.id, tool, subject_of(block, tool))
        self._changed()

    def _finished(self, result) -> None:
        step = self.steps.get(result.tool_use_id)
        if result.type == "web_fetch_tool_result" and hasattr(result.content, "url"):
            self._last_page = result.content.url
            title = getattr(result.content.content, "title", None)
            self._pages[title or result.content.url] = result.content.url
        self.files += files_of(result)
        if step is not None:
            self.finish(step.id, *_outcome(result))

    def finish(self, tool_use_id: str, status: str, count: int | None = None,
               code: str | None = None, reason: str | None = None) -> None:
        """Mark a call done or failed (also for client tools, whose results the bot makes)."""
        step = self.steps.get(tool_use_id)
        if step is None:
            return
        step.status, step.count = status, count
        step.reason = reason or (reason_for(step.tool, code) if status == "error" else None)
        self._changed()

    def _changed(self) -> None:
        self.on_steps(tuple(self.steps.values()))

    def _source(self, citation) -> Source | None:
        kind = citation.type
        if kind == "web_search_result_location":
            return Source(citation.url, citation.title or "")
        if kind == "search_result_location":
            return Source(citation.source, citation.title or "")
        if kind in ("char_location", "page_location", "content_block_location"):
            title = getattr(citation, "document_title", None) or ""
            url = self._pages.get(title) or self._last_page
            return Source(url, title) if url else None
        return None
