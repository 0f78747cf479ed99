"""Tool names an admin may choose (CLAUDE_TOOLS, the policy's `tools`), checked at start-up."""

from __future__ import annotations

from collections.abc import Collection, Iterable

SERVER_TOOLS = ("web_search", "web_fetch", "code_execution")  # Claude's own, run by Anthropic
SLACK_SEARCH = "slack_search"
CLIENT_TOOLS = (SLACK_SEARCH,)  # defined and run by the bot
MCP_PREFIX = "mcp:"


def valid_names(mcp_servers: Collection[str] = ()) -> tuple[str, ...]:
    return (*SERVER_TOOLS, *CLIENT_TOOLS, *(MCP_PREFIX + name for name in sorted(mcp_servers)))


def unknown_tool(names: Iterable[str], mcp_servers: Collection[str] = ()) -> str | None:
    """The first name that is not a tool (None: all are), for a one-line start-up error."""
    valid = valid_names(mcp_servers)
    return next((name for name in names if name not in valid), None)


def tools_problem(where: str, name: str, mcp_servers: Collection[str] = ()) -> str:
    """One line: where the name came from, the name, and the valid names."""
    valid = ", ".join((*valid_names(mcp_servers), *(() if mcp_servers else ("mcp:NAME",))))
    return f"{where}: {name!r} is not a tool; the tools are {valid}."


def split_names(raw: str) -> tuple[str, ...]:
    """CLAUDE_TOOLS's comma-separated names, without blanks or repeats (order kept)."""
    names = [part.strip() for part in raw.split(",") if part.strip()]
    return tuple(dict.fromkeys(names))
