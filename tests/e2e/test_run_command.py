"""`python -m bot`, exactly as the README runs it: settings from a .env file."""

import asyncio
import os
import signal
import sys

import pytest

from tests.conftest import bot_env
from tests.e2e.helpers import answered, body_of


async def run_bot(cwd, env_file: dict[str, str] | None, extra_env: dict | None = None,
                  args: tuple[str, ...] = ()):
    if env_file is not None:
        (cwd / ".env").write_text("".join(f"{k}={v}\n" for k, v in env_file.items()))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "ANTHROPIC_", "CLAUDE_"))}
    env.update(extra_env or {})
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def one_line_exit(bot, code: int) -> str:
    """The bot's exit: with `code`, and one plain line as the last thing it wrote."""
    try:
        out, err = await asyncio.wait_for(bot.communicate(), 60)  # a busy machine starts slowly
    finally:
        if bot.returncode is None:  # it never exited: leave no process behind
            bot.kill()
            await bot.wait()
    text = (out + err).decode()
    assert bot.returncode == code, text
    assert "Traceback" not in text
    return text.strip().splitlines()[-1]


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_the_run_command_answers_a_mention_and_stops_on_sigterm(slack, claude, tmp_path,
                                                                      level):
    bot = await run_bot(tmp_path, bot_env(slack, claude, LOG_LEVEL=level))
    try:
        await slack.wait_connected(timeout=60)
        await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> my private plans for 2027")
        [reply] = await answered(slack)
        assert body_of(reply) == "Hello from the test Claude."
    finally:
        bot.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(bot.communicate(), 60)
    assert bot.returncode == 0
    logs = (out + err).decode()
    for secret in (slack.bot_token, slack.app_token, claude.api_key):
        assert secret not in logs  # even at DEBUG, where the SDKs log their requests
    assert "Traceback" not in logs
    if level == "INFO":
        assert "private plans" not in logs  # what people write is logged at DEBUG only


async def test_a_missing_setting_stops_the_bot_with_one_plain_line(tmp_path):
    bot = await run_bot(tmp_path, {"SLACK_APP_TOKEN": "xapp-1", "ANTHROPIC_API_KEY": "sk-ant-1"})
    out, err = await asyncio.wait_for(bot.communicate(), 60)
    assert bot.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "SLACK_BOT_TOKEN" in lines[0] and out == b""


async def test_a_rejected_token_stops_the_bot_with_one_plain_line(slack, claude, tmp_path):
    bot = await run_bot(tmp_path, bot_env(slack, claude, SLACK_BOT_TOKEN="xoxb-not-valid"))
    line = await one_line_exit(bot, 1)
    assert line.startswith("Startup error: Slack refused SLACK_BOT_TOKEN")
    assert "xoxb-not-valid" not in line


async def test_help_prints_the_commands_and_settings_and_starts_nothing(tmp_path):
    for args in (("--help",), ("sandbox", "--help"), ("-h",)):
        process = await run_bot(tmp_path, None, args=args)  # no settings at all
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert (process.returncode, err) == (0, b""), err
        text = out.decode()
        assert "python -m bot sandbox" in text and "python -m bot http" in text
        assert "ANTHROPIC_API_KEY" in text and "SANDBOX_PORT" in text
        assert ("never contacts a Slack" in text) == (args[0] == "sandbox")
    assert list(tmp_path.iterdir()) == []  # no ledger, nothing started
