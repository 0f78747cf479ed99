"""What `python -m bot` says at start when something is wrong: one line naming the setting and
the fix, never a traceback; what it does when only Claude is out of reach; the forced modes."""

import asyncio
import shutil
import signal
import socket
from pathlib import Path

import aiohttp

from tests.conftest import bot_env
from tests.e2e.test_run_command import one_line_exit, run_bot

EXAMPLE_ENV = Path(__file__).parents[2] / ".env.example"


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_the_example_env_unchanged_is_refused_before_dialling_out(tmp_path):
    shutil.copy(EXAMPLE_ENV, tmp_path / ".env")
    (tmp_path / ".env").write_text((tmp_path / ".env").read_text() + "PORT=eighty\n")
    bot = await run_bot(tmp_path, None)
    out, err = await asyncio.wait_for(bot.communicate(), 60)
    assert bot.returncode == 2 and out == b""
    lines = err.decode().strip().splitlines()  # every problem at once, one line each
    assert [line.split()[2] for line in lines] == [
        "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "ANTHROPIC_API_KEY", "PORT='eighty'"]
    assert all(line.startswith("Configuration error: ") for line in lines)
    assert all(".env" in line for line in lines[:3])


async def test_slack_out_of_reach_is_said_as_such(slack, claude, tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/api/"
    line = await one_line_exit(await run_bot(tmp_path, bot_env(slack, claude,
                                                               SLACK_API_URL=url)), 1)
    assert line.startswith(f"Startup error: Slack is unreachable at {url}")
    assert "refused SLACK_BOT_TOKEN" not in line


async def test_a_rejected_claude_key_stops_the_bot(slack, claude, tmp_path):
    env = bot_env(slack, claude, ANTHROPIC_API_KEY="sk-ant-not-this-one")
    line = await one_line_exit(await run_bot(tmp_path, env), 1)
    assert line.startswith("Startup error: Claude refused ANTHROPIC_API_KEY")
    assert "sk-ant-not-this-one" not in line


async def test_an_unknown_model_stops_the_bot(slack, claude, tmp_path):
    env = bot_env(slack, claude, CLAUDE_MODEL="claude-sonnet-9-9")
    line = await one_line_exit(await run_bot(tmp_path, env), 1)
    assert line.startswith("Startup error: CLAUDE_MODEL='claude-sonnet-9-9' is not a model")
    assert claude.model_lookups == ["claude-sonnet-9-9"]


async def test_a_rejected_app_token_stops_the_bot(slack, claude, tmp_path):
    env = bot_env(slack, claude, SLACK_APP_TOKEN="xapp-not-valid")
    line = await one_line_exit(await run_bot(tmp_path, env), 1)
    assert line.startswith("Startup error: Slack refused SLACK_APP_TOKEN")


async def test_claude_out_of_reach_is_a_warning_and_the_bot_starts(slack, claude, tmp_path):
    env = bot_env(slack, claude, ANTHROPIC_BASE_URL=f"http://127.0.0.1:{closed_port()}")
    bot = await run_bot(tmp_path, env)
    await slack.wait_connected(timeout=60)
    bot.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(bot.communicate(), 60)
    logs = (out + err).decode()
    assert bot.returncode == 0 and "could not check the Claude key and model" in logs


async def test_http_forced_while_an_app_token_is_set(slack, claude, tmp_path):
    port = closed_port()
    env = bot_env(slack, claude, SLACK_SIGNING_SECRET="shh", PORT=str(port))
    bot = await run_bot(tmp_path, env, args=("http",))  # a Heroku web dyno: the token is shared
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(400):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/health") as response:
                        assert response.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError("the bot never served HTTP")
        assert slack.connections == 0  # no Socket Mode connection was opened
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.communicate(), 60)
    assert bot.returncode == 0


async def test_socket_forced_without_an_app_token(slack, claude, tmp_path):
    env = bot_env(slack, claude, SLACK_APP_TOKEN=None, SLACK_SIGNING_SECRET="shh")
    line = await one_line_exit(await run_bot(tmp_path, env, args=("socket",)), 2)
    assert line.startswith("Configuration error: SLACK_APP_TOKEN is not set")


async def test_an_unknown_command_prints_the_usage(tmp_path):
    line = await one_line_exit(await run_bot(tmp_path, None, args=("sockets",)), 2)
    assert line.startswith("usage: python -m bot")


async def test_a_signal_during_a_slow_start_ends_it(slack, claude, tmp_path):
    claude.model_delay = 600  # Claude takes its time to answer the start-up check
    bot = await run_bot(tmp_path, bot_env(slack, claude))
    await claude.wait_for(lambda: claude.model_lookups, timeout=60, what="the model check")
    bot.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(bot.communicate(), 60)
    assert bot.returncode == 0 and b"Traceback" not in out + err


async def test_an_unknown_tool_stops_the_bot_in_one_line(slack, claude, tmp_path):
    env = bot_env(slack, claude, CLAUDE_TOOLS="web_search,browse")
    line = await one_line_exit(await run_bot(tmp_path, env), 2)
    assert line == ("Configuration error: CLAUDE_TOOLS: 'browse' is not a tool; the tools are "
                    "web_search, web_fetch, code_execution, slack_search, mcp:NAME.")
    policy = tmp_path / "policy.toml"
    policy.write_text('[channel.C0SUPPORT]\ntools = ["web_serch"]\n')
    env = bot_env(slack, claude, CLAUDE_POLICY=str(policy))
    line = await one_line_exit(await run_bot(tmp_path, env), 2)
    assert line == (f"Policy error: {policy}: `channel.C0SUPPORT.tools`: 'web_serch' is not a "
                    "tool; the tools are web_search, web_fetch, code_execution, slack_search, "
                    "mcp:NAME.")
