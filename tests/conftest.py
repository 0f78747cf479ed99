"""Fixtures: the project's Slack and Claude servers, and the real bot pointed at them."""

from __future__ import annotations

import logging

import pytest

from bot.app import Bot, create_bot
from bot.config import load_settings
from bot.devserver.claude import ClaudeServer
from bot.devserver.slack import SlackServer

pytest_plugins = ["tests.databases"]  # `postgres` and `database_url`


@pytest.fixture
async def slack(request):
    """The Slack server; `indirect` parametrization passes SlackServer options."""
    async with SlackServer(**getattr(request, "param", {})) as server:
        yield server


@pytest.fixture
async def claude():
    async with ClaudeServer() as server:
        yield server


def bot_env(slack: SlackServer, claude: ClaudeServer, **overrides: str) -> dict[str, str]:
    """What a deployment's .env would hold, pointing at the local servers."""
    env = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_API_URL": slack.api_url,
        "ANTHROPIC_API_KEY": claude.api_key,
        "ANTHROPIC_BASE_URL": claude.base_url,
        "SLACK_UPDATE_INTERVAL": "0.05",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


@pytest.fixture
async def make_bot(slack, claude, monkeypatch, caplog, tmp_path):
    """Start the real bot (Socket Mode unless told otherwise) against the local servers, with
    its usage ledger in the test's temporary directory."""
    bots: list[Bot] = []

    async def make(**overrides: str) -> Bot:
        env = bot_env(slack, claude, **{
            "DATABASE_URL": f"sqlite:///{tmp_path}/usage.sqlite3", **overrides})
        monkeypatch.setenv("ANTHROPIC_BASE_URL", env["ANTHROPIC_BASE_URL"])  # the SDK reads it
        bot = await create_bot(load_settings(env))
        bots.append(bot)
        await bot.start()
        if bot.settings.socket_mode:
            await slack.wait_connected(len([b for b in bots if b.settings.socket_mode]))
        return bot

    caplog.set_level(logging.DEBUG)  # the SDKs log requests at DEBUG: the strictest case
    yield make
    for bot in bots:
        await bot.stop()
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for bot in bots:
        for secret in bot.settings.secrets():
            assert secret not in logged, "a secret was logged"
