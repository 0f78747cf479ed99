"""Fixtures of the Claude server's own tests: the server alone and the real anthropic client."""

from __future__ import annotations

import anthropic
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.devserver.claude import ClaudeServer


@pytest.fixture
async def server():
    async with ClaudeServer() as s:
        yield s


@pytest.fixture
async def client(server):
    """No retries: each test sees exactly what the server answered."""
    async with anthropic.AsyncAnthropic(api_key=server.api_key, base_url=server.base_url,
                                        max_retries=0) as c:
        yield c


@pytest.fixture
async def claude_client(claude):
    """The real anthropic client against the Claude server the bot uses, without retries."""
    async with anthropic.AsyncAnthropic(api_key=claude.api_key, base_url=claude.base_url,
                                        max_retries=0) as c:
        yield c


@pytest.fixture
def web(slack):
    """The real slack-sdk client with the bot's token, against the Slack server."""
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
