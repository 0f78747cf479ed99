"""`python -m bot` with MCP servers in the policy: an unset token variable stops it with one line;
a token in .env is found, and never logged."""

from tests.e2e.processes import run_to_exit, start_bot_process, stop_bot

POLICY = ('tools = ["mcp:linear"]\n[mcp.linear]\nurl = "https://mcp.linear.app/mcp"\n'
          'token_env = "LINEAR_MCP_TOKEN"\n')
TOKEN = "lin_api_process_0123456789SECRET"


async def test_an_unset_token_variable_stops_the_bot_with_one_line(slack, claude, tmp_path):
    (tmp_path / "policy.toml").write_text(POLICY)
    process, output = await run_to_exit(slack, claude, tmp_path)
    assert process.returncode == 2
    assert output.strip().splitlines() == [
        "Policy error: policy.toml: `mcp.linear.token_env` names LINEAR_MCP_TOKEN, which is not "
        "set: set LINEAR_MCP_TOKEN to the server's token in the bot's environment."]
    assert slack.connections_total == 0


async def test_a_token_in_dotenv_is_used_and_never_logged(slack, claude, tmp_path):
    (tmp_path / "policy.toml").write_text(POLICY)
    process = await start_bot_process(slack, claude, tmp_path, LINEAR_MCP_TOKEN=TOKEN,
                                      LOG_LEVEL="DEBUG")
    try:
        await slack.wait_connected(timeout=60)
        await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> any overdue issues?")
        await claude.wait_for(lambda: claude.requests, timeout=30, what="the request")
        await slack.wait_for(lambda: any(
            b["type"] == "context_actions" for m in slack.bot_messages()
            for b in m.get("blocks") or ()), timeout=30, what="the finished answer")
    finally:
        output = await stop_bot(process)
    assert claude.requests[0].body["mcp_servers"][0]["authorization_token"] == TOKEN
    assert "Request options" in output and TOKEN not in output
