"""What tools one answer gets and how they are limited: the names (CLAUDE_TOOLS, or the policy's
`tools`, top level or per channel) and the `[web]` table for web_search and web_fetch."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MAX_USES = 5


@dataclass(frozen=True)
class WebRules:
    """The policy's [web] table: either allowed or blocked domains, never both."""

    allowed_domains: tuple[str, ...] = ()
    blocked_domains: tuple[str, ...] = ()
    max_uses: int = DEFAULT_MAX_USES  # per answer and tool
    # web fetch may follow addresses found by Slack search or MCP tools (off: it may not)
    fetch_tool_result_urls: bool = False


@dataclass(frozen=True)
class ToolChoice:
    names: tuple[str, ...] = ()
    web: WebRules = field(default_factory=WebRules)

    def __bool__(self) -> bool:
        return bool(self.names)
