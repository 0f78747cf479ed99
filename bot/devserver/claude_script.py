"""Scripted content blocks for the Claude double's streams (`Reply.blocks`), in the order the real
API sends them (recorded streams in @ai-sdk/anthropic's fixtures, e.g. anthropic-mcp.1.chunks):

- a tool call (`tool_use`, `server_tool_use`, `mcp_tool_use`) opens with an empty `input`, which
  then streams as `input_json_delta` pieces;
- a tool's result (`mcp_tool_result`, `web_search_tool_result`, …) arrives whole in
  content_block_start;
- a text block with `citations` opens with `"citations": []`; each citation comes as a
  `citations_delta` before the block's `text_delta`s.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

CALLS = ("tool_use", "server_tool_use", "mcp_tool_use")
Send = Callable[..., Awaitable[None]]


async def stream_blocks(send: Send, blocks: tuple[dict, ...] | list[dict], index: int,
                        chunk: int) -> int:
    """Stream `blocks` from content index `index`; the next free index."""
    for block in blocks:
        kind = block["type"]
        if kind in CALLS:
            await send("content_block_start", index=index,
                       content_block={**block, "input": {}})
            raw = json.dumps(block.get("input") or {})
            for at in range(0, len(raw), chunk * 2):
                delta = {"type": "input_json_delta", "partial_json": raw[at:at + chunk * 2]}
                await send("content_block_delta", index=index, delta=delta)
        elif kind == "text":
            start = {"type": "text", "text": ""}
            if "citations" in block:
                start["citations"] = []
            await send("content_block_start", index=index, content_block=start)
            for citation in block.get("citations") or ():
                await send("content_block_delta", index=index,
                           delta={"type": "citations_delta", "citation": citation})
            text = block["text"]
            for at in range(0, len(text), chunk):
                await send("content_block_delta", index=index,
                           delta={"type": "text_delta", "text": text[at:at + chunk]})
        else:
            await send("content_block_start", index=index, content_block=block)
        await send("content_block_stop", index=index)
        index += 1
    return index

