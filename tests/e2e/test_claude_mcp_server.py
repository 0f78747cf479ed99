"""The Claude double's tool results and MCP connector, exercised with the real anthropic client:
the 400s the real API gives for tool results (search_result blocks) or an MCP request that is
not right."""

from __future__ import annotations

import anthropic
import pytest

from bot.devserver.claude_mcp import MCP_BETA

MODEL = "claude-sonnet-5-5"
SEARCH_TOOL = {"name": "search_slack", "description": "Search Slack",
               "input_schema": {"type": "object", "properties": {"query": {"type": "string"}},
                                "required": ["query"]}}
SERVER = {"type": "url", "url": "https://mcp.example.com/mcp", "name": "linear",
          "authorization_token": "lin-secret"}
TOOLSET = {"type": "mcp_toolset", "mcp_server_name": "linear"}
ASK = [{"role": "user", "content": "what did we decide?"}]
TOOL_USE = {"type": "tool_use", "id": "toolu_01", "name": "search_slack",
            "input": {"query": "Q3 launch"}}
HIT = {"type": "search_result", "source": "https://t.slack.com/archives/C1/p1",
       "title": "#launch · Alice · 2026-12-01", "citations": {"enabled": True},
       "content": [{"type": "text", "text": "We move the launch to October."}]}


@pytest.fixture
async def client(claude):
    async with anthropic.AsyncAnthropic(api_key=claude.api_key, base_url=claude.base_url,
                                        max_retries=0) as c:
        yield c


async def rejected(call) -> str:
    with pytest.raises(anthropic.BadRequestError) as caught:
        await call
    return caught.value.message


async def test_the_tool_loop_is_checked_as_the_api_does(client, claude):
    asked = {"role": "assistant", "content": [TOOL_USE]}

    def with_result(*content) -> list[dict]:
        return [*ASK, asked, {"role": "user", "content": list(content)}]

    result = {"type": "tool_result", "tool_use_id": "toolu_01", "content": [HIT]}
    cases = {
        "unexpected `tool_use_id`": with_result({**result, "tool_use_id": "toolu_99"}),
        "must come first": with_result({"type": "text", "text": "and"}, result),
        "search_result.source": with_result({**result, "content": [{**HIT, "source": ""}]}),
        "search_result.content": with_result({**result, "content": [{**HIT, "content": []}]}),
        "citations.enabled": with_result(
            {**result, "content": [{**HIT, "citations": {"enabled": "yes"}}]}),
    }
    for expected, messages in cases.items():
        message = await rejected(client.messages.create(
            model=MODEL, max_tokens=10, messages=messages, tools=[SEARCH_TOOL]))
        assert expected in message, (expected, message)
    ok = await client.messages.create(model=MODEL, max_tokens=10, messages=with_result(result),
                                      tools=[SEARCH_TOOL])
    assert ok.content[0].text
    assert len([r for r in claude.requests if r.status == 200]) == 1


async def test_mcp_requests_are_checked_as_the_api_does(client, claude):
    # Without the beta header, on the GA API: the field does not exist.
    assert "mcp_servers" in await rejected(client.messages.create(
        model=MODEL, max_tokens=10, messages=ASK, extra_body={"mcp_servers": [SERVER]}))
    assert MCP_BETA in await rejected(client.messages.create(
        model=MODEL, max_tokens=10, messages=ASK, tools=[TOOLSET]))
    beta = client.beta.messages
    second = {**SERVER, "name": "docs"}
    cases = {
        "not referenced": dict(mcp_servers=[SERVER, second], tools=[TOOLSET]),
        "more than one": dict(mcp_servers=[SERVER], tools=[TOOLSET, TOOLSET]),
        "is not in mcp_servers": dict(mcp_servers=[SERVER], tools=[
            TOOLSET, {"type": "mcp_toolset", "mcp_server_name": "jira"}]),
        "must be unique": dict(mcp_servers=[SERVER, SERVER], tools=[TOOLSET]),
        "mcp_servers.0.url": dict(mcp_servers=[{**SERVER, "url": ""}], tools=[TOOLSET]),
    }
    for expected, args in cases.items():
        message = await rejected(beta.create(model=MODEL, max_tokens=10, messages=ASK,
                                             betas=[MCP_BETA], **args))
        assert expected in message, (expected, message)
    assert all(r.status == 400 for r in claude.requests)
