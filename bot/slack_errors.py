"""Small facts about Slack call failures, shared by everything that calls Slack."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError

# What a Slack call may raise when Slack or the network fails (never a bug of ours).
SLACK_FAILURES = (SlackApiError, aiohttp.ClientError, TimeoutError, OSError)


def slack_error(error: BaseException) -> str:
    """Slack's error code (`ratelimited`, `not_in_channel`…) or the exception's kind."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"http_{error.response.status_code}")
    return type(error).__name__


def retry_after(error: BaseException) -> float | None:
    """Seconds Slack asked us to wait (a 429), or None when it was not a rate limit."""
    if not isinstance(error, SlackApiError) or error.response.status_code != 429:
        return None
    headers = {k.lower(): v for k, v in (error.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0
