"""Claude's server tools as the request's `tools` entries, each with the newest version the
installed anthropic SDK types (anthropic/types/web_search_tool_*_param.py and siblings; all in the
non-beta ToolUnionParam of anthropic 2.15.0, so no beta header is sent). Web fetch is sent with
citations enabled (they are off by default: web_fetch_tool_20250910_param.py)."""

from __future__ import annotations

import functools
import re

import anthropic.types

from bot.tools.choice import ToolChoice, WebRules

_TYPED = {"web_search": "WebSearchTool", "web_fetch": "WebFetchTool",
          "code_execution": "CodeExecutionTool"}


@functools.cache
def newest_version(tool: str) -> str:
    """e.g. "web_search_20260318": the latest dated `…Param` class the SDK has for `tool`."""
    pattern = re.compile(_TYPED[tool] + r"(\d{8})Param$")
    dates = [m.group(1) for name in dir(anthropic.types) if (m := pattern.match(name))]
    return f"{tool}_{max(dates)}"


def _web(tool: str, web: WebRules) -> dict:
    definition = {"type": newest_version(tool), "name": tool, "max_uses": web.max_uses}
    if web.allowed_domains:
        definition["allowed_domains"] = list(web.allowed_domains)
    elif web.blocked_domains:
        definition["blocked_domains"] = list(web.blocked_domains)
    if tool == "web_fetch":
        definition["citations"] = {"enabled": True}
    return definition


def server_tools(choice: ToolChoice) -> list[dict]:
    """The `tools` entries for the server tools among `choice.names`."""
    found = []
    for name in choice.names:
        if name in ("web_search", "web_fetch"):
            found.append(_web(name, choice.web))
        elif name == "code_execution":
            found.append({"type": newest_version(name), "name": name})
    return found
