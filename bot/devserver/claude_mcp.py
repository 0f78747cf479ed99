"""What the Messages API refuses about client tools and the MCP connector, for the Claude double.

- The MCP connector (platform.claude.com/docs/en/agents-and-tools/mcp-connector): `mcp_servers`
  exists only with the beta header `mcp-client-2025-11-20`; each entry is
  {type: "url", url, name (unique), authorization_token?}; with that header every server is
  referenced by exactly one `mcp_toolset` tool (`mcp_server_name`), and every toolset names a
  declared server.
- The tool loop's results (tool definitions and unanswered tool uses are claude_tools'): a
  `tool_result` answers a tool_use of the previous assistant message, and the results come
  first in their user message.
- web fetch's `url_sources` (anthropic/types/web_fetch_url_sources_param.py): user_input
  `all`/`none`; client_tool_results and server_tool_results `all`/`none`/`only`/`except`, the
  last two with `tools` of {type: tool_reference, name} naming tools of this request.
- `search_result` blocks (in a tool_result's content): {type, source, title, content: [text…],
  citations?: {enabled: bool}} (anthropic/types/search_result_block_param.py).
"""

from __future__ import annotations

MCP_BETA = "mcp-client-2025-11-20"


def check_mcp_and_results(body: dict, beta: str) -> str | None:
    """The 400 message for `body`'s MCP servers and tool results, or None. `beta`: the
    request's anthropic-beta header (comma-separated)."""
    betas = {b.strip() for b in beta.split(",")}
    tools = body.get("tools") if isinstance(body.get("tools"), list) else []
    return (_check_mcp(body.get("mcp_servers"), tools, MCP_BETA in betas)
            or _check_url_sources(tools) or _check_results(body.get("messages") or []))


def _check_mcp(servers: object, tools: list, beta: bool) -> str | None:
    toolsets = [(i, t) for i, t in enumerate(tools)
                if isinstance(t, dict) and t.get("type") == "mcp_toolset"]
    if not beta:
        if servers is not None:
            return "mcp_servers: Extra inputs are not permitted"
        if toolsets:
            return (f"tools.{toolsets[0][0]}: the mcp_toolset tool needs the "
                    f"anthropic-beta header {MCP_BETA}")
        return None
    if not isinstance(servers, list) or not servers:
        return ("mcp_servers: an mcp_toolset names a server, so at least one MCP server is "
                "required" if toolsets else None)
    names: list[str] = []
    for i, server in enumerate(servers):
        if not isinstance(server, dict) or server.get("type") != "url":
            return f"mcp_servers.{i}.type: Input should be 'url'"
        for key in ("url", "name"):
            if not isinstance(server.get(key), str) or not server[key]:
                return f"mcp_servers.{i}.{key}: Field required"
        token = server.get("authorization_token")
        if token is not None and not isinstance(token, str):
            return f"mcp_servers.{i}.authorization_token: Input should be a valid string"
        if server["name"] in names:
            return f"mcp_servers: MCP server names must be unique: '{server['name']}'"
        names.append(server["name"])
    used = set()  # a server named by two toolsets is a duplicate tool name (claude_tools)
    for i, toolset in toolsets:
        name = toolset.get("mcp_server_name")
        if name not in names:
            return f"tools.{i}.mcp_server_name: MCP server '{name}' is not in mcp_servers"
        used.add(name)
    for name in names:
        if name not in used:
            return (f"mcp_servers: MCP server '{name}' is not referenced by any mcp_toolset; "
                    "each server takes exactly one")
    return None


def _check_url_sources(tools: list) -> str | None:
    declared = {t.get("name") for t in tools if isinstance(t, dict)}
    for i, tool in enumerate(tools):
        sources = tool.get("url_sources") if isinstance(tool, dict) else None
        if sources is None:
            continue
        where = f"tools.{i}.{tool.get('type')}.url_sources"
        if not isinstance(sources, dict):
            return f"{where}: Input should be a valid dictionary"
        for key, value in sources.items():
            kinds = ("all", "none") if key == "user_input" else ("all", "none", "only", "except")
            if key not in ("user_input", "client_tool_results", "server_tool_results"):
                return f"{where}.{key}: Extra inputs are not permitted"
            kind = value.get("type") if isinstance(value, dict) else None
            if kind not in kinds:
                return f"{where}.{key}.type: Input should be " + " or ".join(map(repr, kinds))
            if kind in ("only", "except"):
                named = value.get("tools")
                if not isinstance(named, list) or not all(
                        isinstance(t, dict) and t.get("type") == "tool_reference"
                        for t in named):
                    return f"{where}.{key}.tools: Input should be a list of tool references"
                if missing := [t.get("name") for t in named if t.get("name") not in declared]:
                    return f"{where}.{key}: tool '{missing[0]}' is not declared in tools"
    return None


def _check_results(messages: list) -> str | None:
    asked: list[str] = []  # tool_use ids of the previous assistant message
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            return None  # the general validation answers for it
        content = message.get("content")
        blocks = [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []
        if message.get("role") == "assistant":
            asked = [b.get("id") for b in blocks if b.get("type") == "tool_use"]
            continue
        results = [(j, b) for j, b in enumerate(blocks) if b.get("type") == "tool_result"]
        for j, block in results:
            if block.get("tool_use_id") not in asked:
                return (f"messages.{i}.content.{j}: unexpected `tool_use_id` found in "
                        f"`tool_result` blocks: {block.get('tool_use_id')}. Each `tool_result` "
                        "block must have a corresponding `tool_use` block in the previous "
                        "message.")
            if error := _check_result(block, f"messages.{i}.content.{j}"):
                return error
        if asked and any(b.get("type") != "tool_result" for b in blocks[:len(results)]):
            return (f"messages.{i}: `tool_result` blocks must come first in the user message "
                    "that follows `tool_use` blocks.")
        asked = []
    return None


def _check_result(block: dict, where: str) -> str | None:
    content = block.get("content")
    if content is None or isinstance(content, str):
        return None
    if not isinstance(content, list):
        return f"{where}.tool_result.content: Input should be a valid string or list"
    for k, item in enumerate(content):
        here = f"{where}.tool_result.content.{k}"
        if not isinstance(item, dict) or item.get("type") not in (
                "text", "image", "search_result", "document"):
            return f"{here}: Input tag does not match any of the expected tags"
        if item["type"] == "text" and not str(item.get("text") or "").strip():
            return f"{here}: text content blocks must be non-empty"
        if item["type"] == "search_result" and (error := _check_search_result(item, here)):
            return error
    return None


def _check_search_result(item: dict, where: str) -> str | None:
    for key in ("source", "title"):
        if not isinstance(item.get(key), str) or not item[key]:
            return f"{where}.search_result.{key}: Field required"
    content = item.get("content")
    if not isinstance(content, list) or not content:
        return f"{where}.search_result.content: Field required"
    for k, text in enumerate(content):
        if not isinstance(text, dict) or text.get("type") != "text" \
                or not str(text.get("text") or "").strip():
            return f"{where}.search_result.content.{k}: Input should be a non-empty text block"
    citations = item.get("citations")
    if citations is not None and not (isinstance(citations, dict)
                                      and isinstance(citations.get("enabled"), bool)):
        return f"{where}.search_result.citations.enabled: Input should be a valid boolean"
    return None
