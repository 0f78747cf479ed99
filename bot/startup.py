"""Start-up checks of the tokens and the model: each problem is one line that names the setting
and the fix. Slack that cannot be reached is said as such (not as a refused token); a Claude API
that cannot be reached is a warning (the bot starts and answers once it is back), while a key or
model Claude rejects stops the bot."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping

import aiohttp
import anthropic
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.config import EFFORTS, Settings

log = logging.getLogger(__name__)

CLAUDE_CHECK_SECONDS = 10.0


class StartupError(Exception):
    """Slack or Claude refused the configuration at start; the message says what to fix."""


async def _slack(call: Awaitable[AsyncSlackResponse], settings: Settings, token: str,
                 fix: str) -> AsyncSlackResponse:
    """One Slack call at start: its response, or a StartupError saying whether Slack refused
    `token` (and `fix`) or could not be reached at all."""
    try:
        return await call
    except SlackApiError as error:
        code = error.response.get("error") or f"HTTP {error.response.status_code}"
        raise StartupError(f"Slack refused {token} ({code}): {fix}") from None
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        raise StartupError(f"Slack is unreachable at {settings.slack_api_url} "
                           f"({type(error).__name__}): check the network, or SLACK_API_URL if "
                           "it points elsewhere.") from None


async def check_slack(slack: AsyncWebClient, settings: Settings) -> AsyncSlackResponse:
    """auth.test with the bot token: the bot's own identity, or a StartupError."""
    return await _slack(slack.auth_test(), settings, "SLACK_BOT_TOKEN",
                        "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & "
                        "Permissions page, and reinstall the app if it was revoked.")


async def socket_url(slack: AsyncWebClient, settings: Settings) -> str:
    """apps.connections.open with the app token: the Socket Mode URL, or a StartupError. (The
    SDK would retry a refused token forever, logging a traceback each time; handing it this
    URL also spares a second call to a Tier 1 method.)"""
    response = await _slack(slack.apps_connections_open(app_token=settings.slack_app_token),
                            settings, "SLACK_APP_TOKEN",
                            "create an app-level token with the connections:write scope "
                            "(Basic Information page) and enable Socket Mode.")
    return response["url"]


async def check_claude(claude: anthropic.AsyncAnthropic, model: str, effort: str | None = None,
                       channel_models: Mapping[str, str] | None = None) -> None:
    """`GET /v1/models/{model}`: a rejected key or an unknown model stops the bot. With
    CLAUDE_EFFORT set, the policy's channel models (setting → model) are looked up too, and a
    level one of them does not take stops it: Claude would refuse every answer made with it."""
    checker = claude.with_options(max_retries=0, timeout=CLAUDE_CHECK_SECONDS)
    looked_up = {model: "CLAUDE_MODEL"}
    for setting, other in (channel_models or {}).items() if effort else ():
        looked_up.setdefault(other, setting)
    for name, setting in looked_up.items():
        try:
            info = await checker.models.retrieve(name)
        except (anthropic.AuthenticationError, anthropic.PermissionDeniedError) as error:
            raise StartupError(f"Claude refused ANTHROPIC_API_KEY (HTTP {error.status_code}): "
                               "create a key in the Claude Console and put it in .env.") from None
        except anthropic.NotFoundError:
            raise StartupError(f"{setting}={name!r} is not a model this API key can use: set "
                               "it to a current model id such as claude-sonnet-5-5.") from None
        except (anthropic.APIStatusError, anthropic.APIConnectionError) as error:
            log.warning("could not check the Claude key and model (%s); starting anyway",
                        getattr(error, "status_code", None) or type(error).__name__)
            return
        levels = effort_levels(info)
        if effort and levels is not None and effort not in levels:
            where = "" if setting == "CLAUDE_MODEL" else f" ({setting})"
            raise StartupError(
                f"CLAUDE_EFFORT={effort!r} is not an effort level {name}{where} takes (it takes "
                f"{', '.join(levels) or 'none'}): set CLAUDE_EFFORT to a level every model "
                "takes, or unset it for the model's default.")


def effort_levels(info: anthropic.types.ModelInfo) -> tuple[str, ...] | None:
    """The effort levels a model takes, from `capabilities.effort` (None: not said)."""
    effort = getattr(info.capabilities, "effort", None)  # absent from older API versions
    if effort is None:
        return None
    if not effort.supported:
        return ()
    return tuple(level for level in EFFORTS
                 if (support := getattr(effort, level, None)) is not None and support.supported)
