"""The company's tools in the answer loop, against both test servers with the real SDKs: a
search_slack round trip (the Claude server checks the tool_result and its search_result
blocks), and an MCP request on the beta API with its toolset."""

from __future__ import annotations

from bot.claude_loop import ToolHooks, answer_loop
from bot.devserver.claude import Reply
from bot.devserver.claude_script import Call, Say
from bot.tools.choice import ToolChoice
from bot.tools.company import CompanyTools
from bot.tools.mcp import McpServer

ASK = [{"role": "user", "content": "what did we decide about the Q3 launch?"}]
REQUEST = {"model": "claude-sonnet-5-5", "max_tokens": 1000, "system": "s", "idle_timeout": 5}


async def test_a_search_round_trip_is_accepted_and_cited(slack, claude, claude_client, web):
    slack.add_channel("C0LAUNCH", "launch")
    said = slack.add_message("C0LAUNCH", user="U0ALICE", text="Q3 launch moves to October")
    link = slack.permalink("C0LAUNCH", said["ts"])
    cited = {"type": "search_result_location", "source": link, "title": "#launch",
             "cited_text": "Q3 launch moves to October", "search_result_index": 0,
             "start_block_index": 0, "end_block_index": 0}
    claude.enqueue(Reply(text="", stop_reason="tool_use", script=[
        Call("search_slack", {"query": "Q3 launch"}, kind="tool_use")]),
        Reply(text="", script=[Say("It moves to October.", [cited])]))
    company = CompanyTools()
    tools = await company.for_answer(web, ToolChoice(("slack_search",)), {}, user="U0ALICE",
                                     team="T0TEAM", outsiders=False, action_token="at-1",
                                     follow_results=False)
    sources, text = [], []
    result = await answer_loop(claude_client, messages=ASK, tools=tools.tools, hooks=ToolHooks(
        on_cite=sources.append, run_client_tools=tools.run_client_tools),
        on_text=text.append, mcp_servers=tools.mcp_servers, **REQUEST)
    assert result.failure is None and "".join(text).strip() == "It moves to October."
    [step] = result.steps
    assert (step.tool, step.subject, step.status, step.count) == (
        "slack_search", "Q3 launch", "complete", 1)
    assert sources[0][0].url == link
    assert slack.calls_to("assistant.search.context")[0].params["action_token"] == "at-1"
    assert all(r.status == 200 for r in claude.requests)


async def test_mcp_goes_to_the_beta_api_with_one_toolset(slack, claude, claude_client, web,
                                                         monkeypatch):
    monkeypatch.setenv("DOCS_TOKEN", "docs-token-123456")
    slack.add_user("U0ALICE")
    claude.enqueue(Reply(text="Found it.", script=[Call(
        "search", {"q": "x"}, kind="mcp_tool_use", extra={"server_name": "docs"},
        result={"type": "mcp_tool_result", "is_error": True,
                "content": [{"type": "text", "text": "down"}]})]))
    servers = {"docs": McpServer("docs", "https://docs.example/mcp", "DOCS_TOKEN")}
    tools = await CompanyTools().for_answer(
        web, ToolChoice(("web_fetch", "mcp:docs")), servers, user="U0ALICE", team="T0TEAM",
        outsiders=False, action_token=None, follow_results=False)
    result = await answer_loop(claude_client, messages=ASK, tools=tools.tools, hooks=ToolHooks(),
                               on_text=lambda _t: None, mcp_servers=tools.mcp_servers,
                               **REQUEST)
    assert result.failure is None
    [step] = result.steps
    assert (step.tool, step.subject, step.status) == ("mcp", "docs: search", "error")
    [request] = claude.requests
    assert request.body["mcp_servers"][0]["authorization_token"] == "docs-token-123456"
    fetch = next(t for t in request.body["tools"] if t.get("name") == "web_fetch")
    assert fetch["url_sources"]["client_tool_results"] == {"type": "none"}
