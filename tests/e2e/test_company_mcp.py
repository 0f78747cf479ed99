"""MCP servers end to end, in edit and native mode: the policy's `[mcp.NAME]` reaches Claude's
MCP connector on the beta API only, calls show as progress lines, raw results and tokens never
reach Slack, the ledger or the logs, and outsiders never get the tools."""

from __future__ import annotations

import pytest

from bot.devserver.claude import Reply
from bot.devserver.claude_mcp import MCP_BETA
from bot.devserver.claude_script import Call
from bot.policy.rules import PolicyError
from tests.e2e.company import ask, tool_names
from tests.e2e.helpers import ledger_rows

MODES = pytest.mark.parametrize("streaming", ["edit", "native"])
TOKEN = "lin_api_0123456789abcdefSECRET"
RAW = "LIN-7 Rotate the payroll key (raw MCP payload)"
POLICY = """tools = ["mcp:linear"]
[access]
external_users = true
[mcp.linear]
url = "https://mcp.linear.app/mcp"
token_env = "LINEAR_MCP_TOKEN"
allowed_tools = ["search_issues"]
"""


@pytest.fixture
async def mcp_bot(make_bot, tmp_path, monkeypatch):
    monkeypatch.setenv("LINEAR_MCP_TOKEN", TOKEN)

    async def make(policy: str = POLICY, **env):
        path = tmp_path / "policy.toml"
        path.write_text(policy)
        return await make_bot(CLAUDE_POLICY=str(path), **env)
    return make


def issues_call(is_error: bool = False) -> Reply:
    return Reply(text="Two of your issues are overdue.", script=[Call(
        "search_issues", {"assignee": "me", "overdue": True}, kind="mcp_tool_use",
        extra={"server_name": "linear"}, result={
            "type": "mcp_tool_result", "is_error": is_error,
            "content": [{"type": "text", "text": "server unreachable" if is_error else RAW}]})])


@MODES
async def test_an_mcp_call_shows_as_a_line_and_its_result_stays_with_claude(
        slack, claude, mcp_bot, caplog, streaming):
    claude.enqueue(issues_call())
    bot = await mcp_bot(SLACK_STREAMING=streaming)
    shown = await ask(slack, bot, "<@UBOT> which of my issues are overdue?")
    [request] = claude.requests
    assert request.headers["anthropic-beta"] == MCP_BETA
    assert request.body["mcp_servers"] == [{"type": "url", "url": "https://mcp.linear.app/mcp",
                                            "name": "linear", "authorization_token": TOKEN}]
    assert request.body["tools"] == [{"type": "mcp_toolset", "mcp_server_name": "linear",
                                      "default_config": {"enabled": False},
                                      "configs": {"search_issues": {"enabled": True}}}]
    assert "🔧 linear: search_issues — done" in shown
    assert "Two of your issues are overdue." in shown
    assert RAW not in shown and TOKEN not in shown
    [row] = await ledger_rows(bot)
    assert row.tool_calls == 1 and TOKEN not in repr(row)
    assert TOKEN not in caplog.text + "".join(str(r.args) for r in caplog.records)
    assert TOKEN not in bot.deps.metrics.text().decode()
    assert 'claude_slack_tool_calls_total{outcome="ok",tool="mcp"} 1.0' in \
        bot.deps.metrics.text().decode()


@MODES
async def test_an_mcp_server_claude_cannot_reach_fails_its_line(slack, claude, mcp_bot,
                                                                 streaming):
    claude.enqueue(issues_call(is_error=True))
    bot = await mcp_bot(SLACK_STREAMING=streaming)
    shown = await ask(slack, bot, "<@UBOT> which of my issues are overdue?")
    assert "🔧 linear: search_issues — failed" in shown
    assert "Two of your issues are overdue." in shown  # the answer goes on


@MODES
@pytest.mark.parametrize("where", [dict(user_team="T0OTHER"), dict(user="U0GUEST")])
async def test_outsiders_and_guests_get_no_mcp_and_the_ga_api(slack, claude, mcp_bot, where,
                                                              streaming):
    slack.add_user("U0GUEST", is_restricted=True)
    claude.default = Reply(text="No company tools here.")
    bot = await mcp_bot(SLACK_STREAMING=streaming)
    await ask(slack, bot, "<@UBOT> which of my issues are overdue?", **where)
    [request] = claude.requests
    assert "anthropic-beta" not in request.headers and "mcp_servers" not in request.body
    assert tool_names(request.body) == []


async def test_a_rejected_mcp_request_never_shows_the_token(slack, claude, mcp_bot):
    claude.enqueue(Reply(http_status=400, error_message=(
        f"mcp_servers.0: could not authenticate with token {TOKEN}")))
    bot = await mcp_bot()
    shown = await ask(slack, bot, "<@UBOT> which of my issues are overdue?")
    assert "could not authenticate with token [redacted]" in shown and TOKEN not in shown


async def test_mcp_alongside_other_tools_keeps_one_toolset(slack, claude, mcp_bot):
    claude.default = Reply(text="Fine.")
    bot = await mcp_bot(POLICY.replace('["mcp:linear"]', '["web_search", "mcp:linear"]'))
    await ask(slack, bot, "<@UBOT> hello")
    assert tool_names(claude.requests[-1].body) == ["web_search", "linear"]


@pytest.mark.parametrize(("policy", "env", "message"), [
    (POLICY.replace('["mcp:linear"]', '["mcp:jira"]'), {}, "'mcp:jira' is not a tool"),
    ('[mcp.linear]\nurl = "http://mcp.linear.app/mcp"\n', {}, "not https"),
    (POLICY, {"LINEAR_MCP_TOKEN": ""}, "LINEAR_MCP_TOKEN, which is not set"),
    ("", {"CLAUDE_TOOLS": "mcp:linear"}, "'mcp:linear' is not a tool"),
])
async def test_mcp_mistakes_stop_the_start_in_one_line(mcp_bot, monkeypatch, policy, env,
                                                       message):
    for name, value in env.items():
        monkeypatch.setenv(name, value) if value else monkeypatch.delenv(name)
    with pytest.raises(PolicyError) as caught:
        await mcp_bot(policy, **{k: v for k, v in env.items() if k == "CLAUDE_TOOLS"})
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert TOKEN not in str(caught.value)
