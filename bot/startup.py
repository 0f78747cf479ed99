"""Start-up checks of the tokens and the model: each problem is one line that names the setting
and the fix. Slack that cannot be reached is said as such (not as a refused token); a Claude API
that cannot be reached is a warning (the bot starts and answers once it is back), while a key or
model Claude rejects stops the bot."""

from __future__ import annotations

import logging

import aiohttp
import anthropic
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.config import Settings

log = logging.getLogger(__name__)

CLAUDE_CHECK_SECONDS = 10.0


class StartupError(Exception):
    """Slack or Claude refused the configuration at start; the message says what to fix."""


def _unreachable(what: str, url: str, error: BaseException, setting: str) -> str:
    return (f"{what} is unreachable at {url} ({type(error).__name__}): check the network, "
            f"or {setting} if it points elsewhere.")


async def check_slack(slack: AsyncWebClient, settings: Settings) -> AsyncSlackResponse:
    """auth.test with the bot token: the bot's own identity, or a StartupError."""
    try:
        return await slack.auth_test()
    except SlackApiError as error:
        code = error.response.get("error") or f"HTTP {error.response.status_code}"
        raise StartupError(f"Slack refused SLACK_BOT_TOKEN ({code}): copy the Bot User OAuth "
                           "Token (xoxb-…) from the app's OAuth & Permissions page, and "
                           "reinstall the app if it was revoked.") from None
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        raise StartupError(_unreachable("Slack", settings.slack_api_url, error,
                                        "SLACK_API_URL")) from None


async def socket_url(slack: AsyncWebClient, settings: Settings) -> str:
    """apps.connections.open with the app token: the Socket Mode URL, or a StartupError. (The
    SDK would retry a refused token forever, logging a traceback each time; handing it this
    URL also spares a second call to a Tier 1 method.)"""
    try:
        return (await slack.apps_connections_open(app_token=settings.slack_app_token))["url"]
    except SlackApiError as error:
        code = error.response.get("error") or f"HTTP {error.response.status_code}"
        raise StartupError(f"Slack refused SLACK_APP_TOKEN ({code}): create an app-level token "
                           "with the connections:write scope (Basic Information page) and "
                           "enable Socket Mode.") from None
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        raise StartupError(_unreachable("Slack", settings.slack_api_url, error,
                                        "SLACK_API_URL")) from None


async def check_claude(claude: anthropic.AsyncAnthropic, model: str) -> None:
    """One `GET /v1/models/{model}`: a rejected key or an unknown model stops the bot."""
    checker = claude.with_options(max_retries=0, timeout=CLAUDE_CHECK_SECONDS)
    try:
        await checker.models.retrieve(model)
    except (anthropic.AuthenticationError, anthropic.PermissionDeniedError) as error:
        raise StartupError(f"Claude refused ANTHROPIC_API_KEY (HTTP {error.status_code}): "
                           "create a key in the Claude Console and put it in .env.") from None
    except anthropic.NotFoundError:
        raise StartupError(f"CLAUDE_MODEL={model!r} is not a model this API key can use: set "
                           "it to a current model id such as claude-sonnet-5-5.") from None
    except (anthropic.APIStatusError, anthropic.APIConnectionError) as error:
        log.warning("could not check the Claude key and model (%s); starting anyway",
                    getattr(error, "status_code", None) or type(error).__name__)
