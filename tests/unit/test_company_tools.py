"""The company's tools, pure parts: `[mcp.NAME]` tables and their one-line errors, what the MCP
connector is sent, the guards, the search budget and Slack messages as search_result blocks."""

import logging

import pytest

from bot.logs import SDK_LOGGER
from bot.policy.rules import PolicyError, parse_policy
from bot.tools.guards import offered
from bot.tools.mcp import McpServer, request_parts, undeclared
from bot.tools.slack_search import SearchPacer, search_results

MODEL = "claude-sonnet-5-5"
LINEAR = '[mcp.linear]\nurl = "https://mcp.linear.app/mcp"\ntoken_env = "LINEAR_MCP_TOKEN"\n'


def parse(text: str):
    return parse_policy(text.encode(), "policy.toml", MODEL)


def test_mcp_tables_read(monkeypatch):
    monkeypatch.setenv("LINEAR_MCP_TOKEN", "lin-token-123")
    policy = parse(LINEAR + 'allowed_tools = ["search_issues"]\n'
                   '[mcp.local]\nurl = "http://127.0.0.1:8123/mcp"\n')
    assert policy.mcp == {
        "linear": McpServer("linear", "https://mcp.linear.app/mcp", "LINEAR_MCP_TOKEN",
                            ("search_issues",)),
        "local": McpServer("local", "http://127.0.0.1:8123/mcp")}
    assert "lin-token-123" not in repr(policy)


@pytest.mark.parametrize(("text", "message"), [
    (LINEAR, "policy.toml: `mcp.linear.token_env` names LINEAR_MCP_TOKEN, which is not set: set "
             "LINEAR_MCP_TOKEN to the server's token in the bot's environment."),
    ('[mcp.linear]\nurl = "http://mcp.linear.app/mcp"\n',
     "policy.toml: `mcp.linear.url` is 'http://mcp.linear.app/mcp', not https: MCP tokens only "
     "travel encrypted (http is accepted for 127.0.0.1 and localhost only)."),
    ('[mcp.linear]\nurl = "ftp://x"\n', "`mcp.linear.url` must be the server's https URL"),
    ('[mcp.linear]\nurl = "https://x.example/mcp"\ntoken = "secret"\n',
     "`mcp.linear.token` is not a known key: did you mean `mcp.linear.token_env`?"),
    ('[mcp.linear]\nurl = "https://x.example/mcp"\nallowed_tools = "all"\n',
     "`mcp.linear.allowed_tools` must be a non-empty list"),
    ('[mcp.linear]\nurl = "https://x.example/mcp"\ntoken_env = "my token"\n',
     "`mcp.linear.token_env` must name an environment variable"),
    ('mcp = 3\n', "`mcp` must hold one table per server"),
])
def test_mcp_mistakes_are_one_line(monkeypatch, text, message):
    monkeypatch.delenv("LINEAR_MCP_TOKEN", raising=False)
    with pytest.raises(PolicyError) as caught:
        parse(text)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_undeclared_names():
    servers = {"linear": McpServer("linear", "https://x.example/mcp")}
    assert undeclared(["web_search", "mcp:linear"], servers) is None
    assert undeclared(["mcp:linear", "mcp:jira"], servers) == "mcp:jira"


def test_request_parts_one_toolset_per_server_and_the_token_hidden(caplog):
    servers = {"linear": McpServer("linear", "https://x.example/mcp", "LIN", ("search_issues",)),
               "docs": McpServer("docs", "https://d.example/mcp"),
               "gone": McpServer("gone", "https://g.example/mcp", "GONE")}
    entries, toolsets = request_parts(["web_search", "mcp:linear", "mcp:docs", "mcp:gone"],
                                      servers, {"LIN": "lin-secret-token"})
    assert entries == [
        {"type": "url", "url": "https://x.example/mcp", "name": "linear",
         "authorization_token": "lin-secret-token"},
        {"type": "url", "url": "https://d.example/mcp", "name": "docs"}]
    assert toolsets == [
        {"type": "mcp_toolset", "mcp_server_name": "linear", "default_config": {"enabled": False},
         "configs": {"search_issues": {"enabled": True}}},
        {"type": "mcp_toolset", "mcp_server_name": "docs"}]
    caplog.set_level(logging.DEBUG)
    logging.getLogger(SDK_LOGGER).debug("Request options: %s", entries)
    assert "lin-secret-token" not in caplog.text and "[redacted]" in caplog.text


def test_company_tools_only_for_the_organisations_own_members():
    names = ("web_search", "slack_search", "mcp:linear")
    assert offered(names, outsiders=False, guest=False) == names
    for outsiders, guest in ((True, False), (False, True), (True, True)):
        assert offered(names, outsiders=outsiders, guest=guest) == ("web_search",)


def test_the_search_budget_is_shared_per_workspace():
    now = [0.0]
    pacer = SearchPacer(per_minute=2, clock=lambda: now[0])
    assert pacer.wait_needed("T1") == 0 and pacer.wait_needed("T1") == 0
    assert pacer.wait_needed("T1") == 60 and pacer.wait_needed("T2") == 0
    now[0] = 60.5
    assert pacer.wait_needed("T1") == 0
    pacer.block("T1", 30)
    assert pacer.wait_needed("T1") == 30


def test_slack_messages_become_cited_search_results():
    blocks = search_results([
        {"channel_name": "launch", "author_name": "Alice", "message_ts": "1764547200.000100",
         "content": "Moved to &lt;October&gt; <https://x.example|the plan>",
         "permalink": "https://t.slack.com/archives/C1/p1764547200000100"},
        {"channel_name": "launch", "content": "", "permalink": "https://t/2"},
        {"channel_name": "launch", "content": "no link"}])
    assert blocks == [{
        "type": "search_result", "source": "https://t.slack.com/archives/C1/p1764547200000100",
        "title": "#launch · Alice · 2025-12-01", "citations": {"enabled": True},
        "content": [{"type": "text", "text": "Moved to <October> the plan (https://x.example)"}]}]


def test_tools_lists_may_name_declared_servers_only(monkeypatch):
    monkeypatch.setenv("LINEAR_MCP_TOKEN", "lin-token-123")
    channel = '[channel.C0ENG]\ntools = ["slack_search", "mcp:linear"]\n'
    policy = parse(LINEAR + channel)
    assert policy.rules_for("C0ENG").tools == ("slack_search", "mcp:linear")
    with pytest.raises(PolicyError) as caught:
        parse(channel)
    assert "`channel.C0ENG.tools`: 'mcp:linear' is not a tool" in str(caught.value)
    assert parse('tools = ["mcp:linear"]\n' + LINEAR).tools == ("mcp:linear",)
