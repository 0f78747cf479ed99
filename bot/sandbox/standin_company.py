"""The offline stand-in and the company's tools: with Slack search offered it really searches the
sandbox's own channels (the bot runs `search_slack` against the sandbox workspace, which finds
what people typed there) and cites what it found; with an MCP server it makes one labelled fake
call, contacting no server."""

from __future__ import annotations

import re

from bot.devserver.claude_script import Call, Say

_MENTION = re.compile(r"<@[A-Z0-9]+>:?")
TOOL_SECONDS = 0.5  # a fake MCP call "at work", so its progress line is seen


def _last_words(body: dict) -> str:
    for turn in reversed(body.get("messages") or []):
        content = turn.get("content")
        if turn.get("role") != "user":
            continue
        if isinstance(content, str):
            return content
        texts = [b.get("text", "") for b in content or () if b.get("type") == "text"]
        if texts:
            return texts[-1]
    return ""


def _results(body: dict) -> list[dict] | None:
    """The search results the bot sent back in the last turn (None: it sent none)."""
    last = (body.get("messages") or [{}])[-1]
    content = last.get("content") if last.get("role") == "user" else None
    found = [b for b in content or () if isinstance(b, dict) and b.get("type") == "tool_result"]
    if not found:
        return None
    blocks = found[-1].get("content")
    return [b for b in blocks if b.get("type") == "search_result"] \
        if isinstance(blocks, list) else []


def company_script(body: dict) -> tuple[list, str | None]:
    """(script blocks to stream before the description, or a stop reason `tool_use` when the
    stand-in calls search_slack first)."""
    tools = body.get("tools") or []
    names = {t.get("name") for t in tools}
    results = _results(body)
    if "search_slack" in names and results is None:
        words = " ".join(_MENTION.sub(" ", _last_words(body)).split())[:100]
        words = words or "recent decisions"
        return [Say("Offline stand-in: searching this sandbox's Slack first."),
                Call("search_slack", {"query": words}, kind="tool_use")], "tool_use"
    script: list = []
    for server in body.get("mcp_servers") or []:
        toolset = next((t for t in tools if t.get("mcp_server_name") == server["name"]), {})
        tool = next(iter(toolset.get("configs") or {}), "list_tools")
        script += [Call(tool, {}, kind="mcp_tool_use", extra={"server_name": server["name"]},
                        delay=TOOL_SECONDS, result={
                            "type": "mcp_tool_result", "is_error": False, "content": [
                                {"type": "text", "text": "offline stand-in: no server called"}]}),
                   Say(f"**Offline stand-in** — a fake call to the MCP server "
                       f"`{server['name']}`; no server was contacted.\n\n")]
    if results:
        script.append(Say(f"Slack search found {len(results)} message(s); the first one:"))
        first = results[0]
        cited = {"type": "search_result_location", "source": first["source"],
                 "title": first["title"], "cited_text": first["content"][0]["text"][:150],
                 "search_result_index": 0, "start_block_index": 0, "end_block_index": 0}
        script.append(Say(first["content"][0]["text"][:300] + "\n\n", [cited]))
    elif results == []:
        script.append(Say("Slack search found nothing in this sandbox's channels.\n\n"))
    return script, None
