"""The company's tools in one answer: which of them the asker gets (guards.py), what they add to
the request (the search_slack definition, MCP servers with their toolsets, and web fetch's
`url_sources`), and how Claude's search_slack calls run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from slack_sdk.web.async_client import AsyncWebClient

from bot.claude_loop import ClientTools
from bot.tools.calls import ToolWatch
from bot.tools.choice import ToolChoice
from bot.tools.definitions import server_tools
from bot.tools.guards import SLACK_SEARCH, Guests, is_company_tool, offered
from bot.tools.mcp import McpServer, request_parts
from bot.tools.slack_search import DEFINITION, NAME, SearchPacer, failed, search_slack

# Web fetch may follow addresses from the person's messages and from web search and fetch
# results, never from client or MCP tool results (anthropic/types/web_fetch_url_sources_param.py:
# a tool filter names tools of the request; only web_search and web_fetch results contribute as
# server tool results).
_WEB_RESULTS = ("web_search", "web_fetch")


@dataclass(frozen=True)
class AnswerTools:
    """What one answer sends and runs."""

    names: tuple[str, ...]  # the tools it has, after the guards
    tools: list[dict]  # the request's `tools`
    mcp_servers: list[dict] | None  # None: no MCP server, the GA API
    run_client_tools: ClientTools | None  # None: no client tool


@dataclass
class CompanyTools:
    """What every answer of the process shares: who is a guest, and each workspace's search
    budget."""

    guests: Guests = field(default_factory=Guests)
    pacer: SearchPacer = field(default_factory=SearchPacer)

    async def allowed(self, slack: AsyncWebClient, names: tuple[str, ...], user: str,
                      outsiders: bool) -> tuple[str, ...]:
        """`names` without the company's tools when the asker may not have them (one users.info
        per person and hour, and only when a company tool is among the names)."""
        if not any(is_company_tool(n) for n in names):
            return names
        guest = False if outsiders else await self.guests.is_guest(slack, user)
        return offered(names, outsiders=outsiders, guest=guest)

    async def for_answer(self, slack: AsyncWebClient, choice: ToolChoice,
                         servers: Mapping[str, McpServer], *, user: str, team: str,
                         outsiders: bool, action_token: str | None, follow_results: bool,
                         thread: tuple[str, str] | None = None) -> AnswerTools:
        """The tools of one answer: the choice, less what the asker may not have, with what
        the company's tools add and web fetch guarded. `thread`: the conversation's (channel,
        root ts), whose own messages Slack search leaves out."""
        names = await self.allowed(slack, choice.names, user, outsiders)
        extra = company_request(names, servers)
        server = guard_fetch(server_tools(replace(choice, names=names)), names, follow_results)
        runner = (self.runner(slack, team, action_token, thread) if SLACK_SEARCH in names
                  else None)
        return AnswerTools(names, [*server, *extra.tools], extra.mcp_servers or None, runner)

    def runner(self, slack: AsyncWebClient, team: str, action_token: str | None,
               thread: tuple[str, str] | None = None):
        """Runs one round of Claude's client tool calls (the loop's `run_client_tools`)."""
        async def run(calls: list, watch: ToolWatch) -> list[dict]:
            results = []
            for call in calls:
                given = call.input if isinstance(call.input, dict) else {}
                outcome = (await search_slack(slack, self.pacer, team, given.get("query", ""),
                                              action_token, thread)
                           if call.name == NAME else failed(f"there is no tool {call.name}"))
                watch.finish(call.id, "error" if outcome.is_error else "complete",
                             count=None if outcome.is_error else outcome.count,
                             reason=outcome.reason)
                results.append(outcome.tool_result(call.id))
            return results
        return run


@dataclass(frozen=True)
class CompanyRequest:
    """What the company's tools add to one request."""

    tools: list[dict]  # search_slack's definition, one mcp_toolset per MCP server
    mcp_servers: list[dict]  # None of them: the request stays on the GA API


def company_request(names: tuple[str, ...], servers: Mapping[str, McpServer]) -> CompanyRequest:
    entries, toolsets = request_parts(names, servers)
    client = [DEFINITION] if SLACK_SEARCH in names else []
    return CompanyRequest([*client, *toolsets], entries)


def guard_fetch(tools: list[dict], names: tuple[str, ...], follow_results: bool) -> list[dict]:
    """Server tool definitions with web fetch limited to addresses from the person's messages
    and web results, when the answer also has a company tool (unless the policy says
    `fetch_tool_result_urls`): a prompt hidden in company data cannot make Claude fetch an
    address it names, sending that data out."""
    if follow_results or not any(is_company_tool(n) for n in names):
        return tools
    present = {t.get("name") for t in tools}
    web = [{"type": "tool_reference", "name": n} for n in _WEB_RESULTS if n in present]
    sources = {"user_input": {"type": "all"}, "client_tool_results": {"type": "none"},
               "server_tool_results": {"type": "only", "tools": web}}
    return [{**t, "url_sources": sources} if t.get("name") == "web_fetch" else t
            for t in tools]
