"""What the Messages API refuses about tools, for the Claude stand-in: tool definitions (an
unknown server tool type, both allowed_domains and blocked_domains, a bad max_uses, a custom tool
without a name or input_schema) and tool blocks in the conversation (a tool use without its
result, which is what a `pause_turn` continuation that does not end with the paused content, or
a client tool_use not answered by tool_result in the next user turn, looks like).

Versions: the server tool types anthropic 2.15.0 knows (anthropic/types/tool_union_param.py).
The 400 for an unanswered server tool use is quoted from anthropic-sdk-python#961."""

from __future__ import annotations

import re

SERVER_TOOLS = {
    "web_search": ("web_search_20250305", "web_search_20260209", "web_search_20260318"),
    "web_fetch": ("web_fetch_20250910", "web_fetch_20260209", "web_fetch_20260309",
                  "web_fetch_20260318"),
    "code_execution": ("code_execution_20250522", "code_execution_20250825",
                       "code_execution_20260120", "code_execution_20260521"),
}
TOOL_TYPES = {t: name for name, types in SERVER_TOOLS.items() for t in types}
WEB_KEYS = {"type", "name", "max_uses", "allowed_domains", "blocked_domains", "cache_control",
            "defer_loading", "strict", "allowed_callers", "user_location", "citations",
            "max_content_tokens", "url_sources", "use_cache", "response_inclusion"}
CODE_KEYS = {"type", "name", "cache_control", "defer_loading", "strict", "allowed_callers"}
CUSTOM_KEYS = {"type", "name", "description", "input_schema", "cache_control", "strict",
               "defer_loading", "allowed_callers", "input_examples", "eager_input_streaming"}
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
# server tool use block → the result block types that answer it
RESULTS = {"web_search": ("web_search_tool_result",), "web_fetch": ("web_fetch_tool_result",),
           "code_execution": ("code_execution_tool_result",),
           "bash_code_execution": ("bash_code_execution_tool_result",),
           "text_editor_code_execution": ("text_editor_code_execution_tool_result",)}


def _check_server_tool(tool: dict, where: str) -> str | None:
    kind = tool["type"]
    name = TOOL_TYPES[kind]
    if tool.get("name") != name:
        return f"{where}.{kind}.name: Input should be '{name}'"
    for key in tool:
        if key not in (CODE_KEYS if name == "code_execution" else WEB_KEYS):
            return f"{where}.{kind}.{key}: Extra inputs are not permitted"
    if name == "web_search" and ("citations" in tool or "url_sources" in tool):
        key = "citations" if "citations" in tool else "url_sources"
        return f"{where}.{kind}.{key}: Extra inputs are not permitted"
    uses = tool.get("max_uses")
    if uses is not None and (not isinstance(uses, int) or isinstance(uses, bool) or uses < 1):
        return f"{where}.{kind}.max_uses: Input should be greater than 0"
    if tool.get("allowed_domains") is not None and tool.get("blocked_domains") is not None:
        return (f"{where}.{kind}: Cannot specify both allowed_domains and blocked_domains "
                "in the same request")
    for key in ("allowed_domains", "blocked_domains"):
        value = tool.get(key)
        if value is not None and (not isinstance(value, list)
                                  or not all(isinstance(d, str) and d for d in value)):
            return f"{where}.{kind}.{key}: Input should be a valid list of domains"
    return None


def check_tools(tools: object) -> str | None:
    if not isinstance(tools, list):
        return "tools: Input should be a valid list"
    names: set[str] = set()
    for i, tool in enumerate(tools):
        where = f"tools.{i}"
        if not isinstance(tool, dict):
            return f"{where}: Input should be a valid dictionary"
        kind = tool.get("type", "custom")
        if kind in TOOL_TYPES:
            error = _check_server_tool(tool, where)
        elif kind == "custom":
            error = _check_custom(tool, where)
        elif kind == "mcp_toolset":
            error = None  # the MCP connector's own rules live with it
        else:
            expected = ", ".join(f"'{t}'" for t in ("custom", *TOOL_TYPES))
            return (f"{where}: Input tag '{kind}' found using 'type' does not match any of the "
                    f"expected tags: {expected}")
        if error:
            return error
        name = tool.get("name") or tool.get("mcp_server_name")
        if name in names:
            return f"tools: Tool names must be unique. Duplicate name: {name}"
        names.add(name)
    return None


def _check_custom(tool: dict, where: str) -> str | None:
    for key in tool:
        if key not in CUSTOM_KEYS:
            return f"{where}.custom.{key}: Extra inputs are not permitted"
    if not isinstance(tool.get("name"), str) or not _NAME.match(tool["name"]):
        return f"{where}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'"
    if not isinstance(tool.get("input_schema"), dict):
        return f"{where}.custom.input_schema: Field required"
    return None


def check_tool_blocks(messages: list[dict]) -> str | None:
    """Every tool use answered: a server tool use by its result later in the same assistant
    message (unless it ends the conversation: a paused turn being continued), a client
    tool_use by a tool_result at the start of the next user message."""
    last = len(messages) - 1
    for i, msg in enumerate(messages):
        content = msg["content"] if isinstance(msg["content"], list) else []
        answered = {b.get("tool_use_id") for b in content}
        for j, block in enumerate(content):
            kind = block.get("type")
            if kind in ("server_tool_use", "mcp_tool_use") and msg["role"] == "assistant":
                ends = i == last and j == len(content) - 1
                if block.get("id") not in answered and not ends:
                    name = block.get("name", "tool")
                    result = RESULTS.get(name, ("mcp_tool_result",))[0]
                    return (f"messages.{i}.content.{j}: {name} tool use with id "
                            f"{block.get('id')} was found without a corresponding {result} "
                            "block")
            if kind == "tool_use" and msg["role"] == "assistant" and i < last:
                following = messages[i + 1]["content"]
                results = {b.get("tool_use_id") for b in following
                           if isinstance(b, dict) and b.get("type") == "tool_result"} \
                    if isinstance(following, list) else set()
                if block.get("id") not in results:
                    return ("messages.{}: `tool_use` ids were found without `tool_result` "
                            "blocks immediately after: {}. Each `tool_use` block must have a "
                            "corresponding `tool_result` block in the next message."
                            .format(i, block.get("id")))
    return None
