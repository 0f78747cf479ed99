"""The Claude double's client tools and MCP connector, exercised with the real anthropic client:
scripted tool_use / mcp_tool_use streams, and the 400s the real API gives for tool results
(search_result blocks) or an MCP request that is not right."""

from __future__ import annotations

import anthropic
import pytest

from bot.devserver.claude import Reply
from bot.devserver.claude_mcp import MCP_BETA
from bot.devserver.claude_script import Call, Say

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


async def rejected(call) -> str:
    with pytest.raises(anthropic.BadRequestError) as caught:
        await call
    return caught.value.message


async def test_a_client_tool_call_streams_and_its_result_continues(claude_client, claude):
    claude.enqueue(Reply(text="", stop_reason="tool_use", script=[
        Say("Let me search."), Call("search_slack", {"query": "Q3 launch"}, kind="tool_use",
                                    id="toolu_01")]))
    async with claude_client.messages.stream(model=MODEL, max_tokens=100, messages=ASK,
                                      tools=[SEARCH_TOOL]) as stream:
        first = await stream.get_final_message()
    assert first.stop_reason == "tool_use"
    assert [b.type for b in first.content] == ["text", "tool_use"]
    assert first.content[1].input == {"query": "Q3 launch"}
    cited = {"type": "search_result_location", "source": HIT["source"], "title": HIT["title"],
             "cited_text": "We move the launch to October.", "search_result_index": 0,
             "start_block_index": 0, "end_block_index": 0}
    claude.enqueue(Reply(text="", script=[Say("The launch moved to October.", [cited])]))
    turns = [*ASK, {"role": "assistant", "content": [b.model_dump() for b in first.content]},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01",
                                           "content": [HIT]}]}]
    async with claude_client.messages.stream(model=MODEL, max_tokens=100, messages=turns,
                                      tools=[SEARCH_TOOL]) as stream:
        second = await stream.get_final_message()
    citation = second.content[0].citations[0]
    assert citation.type == "search_result_location" and citation.source == HIT["source"]


async def test_the_tool_loop_is_checked_as_the_api_does(claude_client, claude):
    asked = {"role": "assistant", "content": [TOOL_USE]}

    def with_result(*content) -> list[dict]:
        return [*ASK, asked, {"role": "user", "content": list(content)}]

    result = {"type": "tool_result", "tool_use_id": "toolu_01", "content": [HIT]}
    cases = {
        "unexpected `tool_use_id`": with_result(result, {**result, "tool_use_id": "toolu_99"}),
        "must come first": with_result({"type": "text", "text": "and"}, result),
        "search_result.source": with_result({**result, "content": [{**HIT, "source": ""}]}),
        "search_result.content": with_result({**result, "content": [{**HIT, "content": []}]}),
        "citations.enabled": with_result(
            {**result, "content": [{**HIT, "citations": {"enabled": "yes"}}]}),
    }
    for expected, messages in cases.items():
        message = await rejected(claude_client.messages.create(
            model=MODEL, max_tokens=10, messages=messages, tools=[SEARCH_TOOL]))
        assert expected in message, (expected, message)
    ok = await claude_client.messages.create(model=MODEL, max_tokens=10,
                                             messages=with_result(result), tools=[SEARCH_TOOL])
    assert ok.content[0].text
    assert len([r for r in claude.requests if r.status == 200]) == 1


async def test_mcp_calls_stream_on_the_beta_api(claude_client, claude):
    claude.enqueue(Reply(text="Two issues are overdue.", script=[Call(
        "search_issues", {"assignee": "me", "overdue": True}, kind="mcp_tool_use",
        extra={"server_name": "linear"}, result={
            "type": "mcp_tool_result", "is_error": False,
            "content": [{"type": "text", "text": "LIN-1, LIN-2"}]})]))
    seen = []
    async with claude_client.beta.messages.stream(
            model=MODEL, max_tokens=100, messages=ASK, mcp_servers=[SERVER], tools=[TOOLSET],
            betas=[MCP_BETA]) as stream:
        async for event in stream:
            if event.type == "content_block_start":
                seen.append(event.content_block.type)
        final = await stream.get_final_message()
    assert seen == ["mcp_tool_use", "mcp_tool_result", "text"]
    assert final.content[0].input == {"assignee": "me", "overdue": True}
    assert final.content[0].server_name == "linear" and final.content[1].is_error is False
    assert claude.requests[-1].headers["anthropic-beta"] == MCP_BETA


async def test_mcp_requests_are_checked_as_the_api_does(claude_client, claude):
    # Without the beta header, on the GA API: the field does not exist.
    assert "mcp_servers" in await rejected(claude_client.messages.create(
        model=MODEL, max_tokens=10, messages=ASK, extra_body={"mcp_servers": [SERVER]}))
    assert MCP_BETA in await rejected(claude_client.messages.create(
        model=MODEL, max_tokens=10, messages=ASK, tools=[TOOLSET]))
    beta = claude_client.beta.messages
    second = {**SERVER, "name": "docs"}
    cases = {
        "not referenced": dict(mcp_servers=[SERVER, second], tools=[TOOLSET]),
        "Duplicate name: linear": dict(mcp_servers=[SERVER], tools=[TOOLSET, TOOLSET]),
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


async def test_web_fetch_url_sources_are_checked(claude_client, claude):
    def fetch(url_sources: dict) -> list[dict]:
        return [SEARCH_TOOL, {"type": "web_fetch_20250910", "name": "web_fetch",
                              "url_sources": url_sources}]

    only_search = {"type": "only", "tools": [{"type": "tool_reference", "name": "web_search"}]}
    bad = [{"user_input": {"type": "only"}}, {"everything": {"type": "all"}},
           {"server_tool_results": only_search},  # web_search is not in this request
           {"client_tool_results": {"type": "except", "tools": ["search_slack"]}}]
    for sources in bad:
        await rejected(claude_client.messages.create(model=MODEL, max_tokens=10, messages=ASK,
                                              tools=fetch(sources)))
    good = {"user_input": {"type": "all"}, "client_tool_results": {"type": "none"},
            "server_tool_results": {"type": "only", "tools": [
                {"type": "tool_reference", "name": "web_fetch"}]}}
    await claude_client.messages.create(model=MODEL, max_tokens=10, messages=ASK, tools=fetch(good))
