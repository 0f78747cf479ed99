"""The company's tools in the sandbox, offline: Slack search finds what people typed in the
sandbox's channels and the stand-in cites it; an MCP server is one labelled fake call; the
token is nowhere on the page."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.e2e.company import tool_results
from tests.e2e.sandbox_client import PageClient, running_sandbox

TOKEN = "wiki-token-0123456789SECRET"


@pytest.fixture
async def client_for(tmp_path, monkeypatch):
    monkeypatch.setenv("WIKI_MCP_TOKEN", TOKEN)
    policy = tmp_path / "policy.toml"
    policy.write_text('tools = ["slack_search", "mcp:wiki"]\n[mcp.wiki]\n'
                      'url = "http://127.0.0.1:9/mcp"\ntoken_env = "WIKI_MCP_TOKEN"\n')
    async with running_sandbox(tmp_path, CLAUDE_POLICY=str(policy)) as sandbox, \
            aiohttp.ClientSession() as session:
        yield sandbox, PageClient(sandbox, session)


async def test_slack_search_and_a_fake_mcp_call_offline(client_for):
    sandbox, client = client_for
    await client.say("We decided the Q3 launch moves to October.", user="U0BOB",
                     channel="C0RANDOM")
    await client.say("@Claude what did we decide about the launch?")
    workspace = sandbox.workspace
    await workspace.wait_for(lambda: any(
        b["type"] == "context_actions" for m in workspace.bot_messages("C0GENERAL")
        for b in m.get("blocks") or ()), timeout=10, what="the answer with its feedback buttons")
    [reply] = workspace.bot_messages("C0GENERAL")
    [search] = sandbox.workspace.calls_to("assistant.search.context")
    assert "@" not in search.params["query"]  # the stand-in searched for the words asked
    [result] = tool_results(sandbox.standin.requests[-1].body)
    [found] = result["content"]  # the question's own thread is left out
    assert found["content"][0]["text"] == "We decided the Q3 launch moves to October."
    shown = json.dumps(reply, ensure_ascii=False)
    assert "💬 searching Slack" in shown and "🔧 wiki: list_tools" in shown
    assert "Offline stand-in" in shown and "a fake call to the MCP server" in shown
    assert found["source"] in shown  # cited, with the message's link
    assert "#random · Bob" in shown
    page = json.dumps(await client.state())
    assert TOKEN not in page and TOKEN not in shown
