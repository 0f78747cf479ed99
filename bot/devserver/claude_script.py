"""Scripted content for the Claude stand-in: server tool calls with their results (or errors),
client tool calls, and text with citations, streamed in the order the real API sends them.

Wire order (recorded streams, @ai-sdk/anthropic 3.0.21 fixtures anthropic-web-search-tool.1,
anthropic-web-fetch-tool.1, anthropic-code-execution-20250825.pptx-skill):
- `server_tool_use` (or `tool_use` / `mcp_tool_use`) opens with `input: {}`, its input streams as
  `input_json_delta` pieces (the first one empty), then the block stops;
- its result block arrives whole in `content_block_start` (no deltas), then stops;
- cited text is its own text block that opens with `"citations": []`; its `citations_delta`
  events come before its `text_delta`s. Errors inside results are HTTP 200 content
  (`*_tool_result_error` with an `error_code`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .claude_wire import new_id

Send = Callable[..., Awaitable[None]]


@dataclass
class Say:
    """A text block; with `citations` (raw citation dicts) it is cited text."""

    text: str
    citations: list[dict] | None = None


@dataclass
class Call:
    """A tool call: `kind` server_tool_use, tool_use (client) or mcp_tool_use; `result` is the
    whole result block without its tool_use_id (None: no result follows, as when a turn pauses
    or a client tool waits for the bot)."""

    name: str
    input: dict
    result: dict | None = None
    kind: str = "server_tool_use"
    extra: dict = field(default_factory=dict)  # e.g. server_name of an mcp_tool_use
    delay: float = 0.0  # seconds between the call and its result (a tool at work)
    id: str = ""  # fixed id (default: a fresh srvtoolu_/toolu_/mcptoolu_ id)


def search(query: str, results: list[tuple[str, str]] | None = None,
           error: str | None = None, delay: float = 0.0) -> Call:
    """web_search with (title, url) results, or an error code."""
    content: list[dict] | dict = {"type": "web_search_tool_result_error", "error_code": error} \
        if error else [{"type": "web_search_result", "title": title, "url": url,
                        "encrypted_content": "RW5jcnlwdGVk", "page_age": "1 day ago"}
                       for title, url in results or []]
    return Call("web_search", {"query": query},
                {"type": "web_search_tool_result", "content": content}, delay=delay)


def fetch(url: str, title: str = "", text: str = "Page text.", error: str | None = None,
          delay: float = 0.0) -> Call:
    """web_fetch of `url`, whose document is `text`, or an error code."""
    content = {"type": "web_fetch_tool_result_error", "error_code": error} if error else {
        "type": "web_fetch_result", "url": url, "retrieved_at": "2026-12-04T10:00:00+00:00",
        "content": {"type": "document", "title": title or None, "citations": {"enabled": True},
                    "source": {"type": "text", "media_type": "text/plain", "data": text}}}
    return Call("web_fetch", {"url": url}, {"type": "web_fetch_tool_result", "content": content},
                delay=delay)


def run_code(command: str, file_ids: tuple[str, ...] = (), error: str | None = None,
             stdout: str = "", delay: float = 0.0) -> Call:
    """code_execution (bash, as the 2025-08-25 and later versions run it), making files."""
    content = {"type": "bash_code_execution_tool_result_error", "error_code": error} \
        if error else {"type": "bash_code_execution_result", "stdout": stdout, "stderr": "",
                       "return_code": 0,
                       "content": [{"type": "bash_code_execution_output", "file_id": f}
                                   for f in file_ids]}
    return Call("bash_code_execution", {"command": command},
                {"type": "bash_code_execution_tool_result", "content": content}, delay=delay)


def web_citation(url: str, title: str, cited: str) -> dict:
    return {"type": "web_search_result_location", "url": url, "title": title,
            "cited_text": cited[:150], "encrypted_index": "RW5jcnlwdGVk"}


_PREFIX = {"server_tool_use": "srvtoolu_01", "tool_use": "toolu_01", "mcp_tool_use": "mcptoolu_01"}


def tool_counts(script: list) -> dict:
    """usage.server_tool_use of a script: the searches and fetches that did not fail."""
    def ok(call: Call, name: str) -> bool:
        content = (call.result or {}).get("content")
        failed = isinstance(content, dict) and content.get("type", "").endswith("_error")
        return call.name == name and call.result is not None and not failed
    calls = [item for item in script if isinstance(item, Call)]
    return {"web_search_requests": sum(ok(c, "web_search") for c in calls),
            "web_fetch_requests": sum(ok(c, "web_fetch") for c in calls)}


async def stream_script(send: Send, pause: Callable[[float], Awaitable[None]], script: list,
                        chunk: int, first: int = 0) -> int:
    """Stream `script` as content blocks from index `first`; the next free index."""
    index = first
    for item in script:
        if isinstance(item, Say):
            start = {"type": "text", "text": ""}
            if item.citations is not None:
                start = {"citations": [], **start}
            await send("content_block_start", index=index, content_block=start)
            for citation in item.citations or ():
                await send("content_block_delta", index=index,
                           delta={"type": "citations_delta", "citation": citation})
            for at in range(0, len(item.text), chunk):
                await send("content_block_delta", index=index,
                           delta={"type": "text_delta", "text": item.text[at:at + chunk]})
            await send("content_block_stop", index=index)
            index += 1
            continue
        tool_id = item.id or new_id(_PREFIX[item.kind])
        await send("content_block_start", index=index, content_block={
            "type": item.kind, "id": tool_id, "name": item.name, "input": {}, **item.extra})
        raw = json.dumps(item.input)
        for piece in ("", *(raw[at:at + 12] for at in range(0, len(raw), 12))):
            await send("content_block_delta", index=index,
                       delta={"type": "input_json_delta", "partial_json": piece})
        await send("content_block_stop", index=index)
        index += 1
        if item.result is None:
            continue
        await pause(item.delay)
        await send("content_block_start", index=index,
                   content_block={"type": item.result["type"], "tool_use_id": tool_id,
                                  **{k: v for k, v in item.result.items() if k != "type"}})
        await send("content_block_stop", index=index)
        index += 1
    return index
