"""Start-up checks of Slack's OAuth install settings: each problem is one line naming the
variable and the fix; a bot token keeps the one-workspace mode exactly as it was."""

import pytest
from cryptography.fernet import Fernet

from bot.config import ConfigError, load_settings

KEY = Fernet.generate_key().decode()
OAUTH = {"ANTHROPIC_API_KEY": "sk-ant-x", "SLACK_SIGNING_SECRET": "shh",
         "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "cs", "SLACK_STATE_SECRET": "ss",
         "SLACK_TOKEN_KEY": KEY}


def without(*names: str, **changes: str) -> dict:
    return {**{k: v for k, v in OAUTH.items() if k not in names}, **changes}


def test_oauth_settings_without_a_bot_token_install_in_many_workspaces():
    settings = load_settings(OAUTH)
    assert settings.oauth is not None and not settings.socket_mode
    assert settings.slack_bot_token == ""
    assert {"cs", "ss", KEY} <= set(settings.secrets())


def test_a_bot_token_keeps_one_workspace_whatever_else_is_set():
    settings = load_settings({**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1"})
    assert settings.oauth is None and settings.slack_bot_token == "xoxb-1"


@pytest.mark.parametrize(("env", "line"), [
    (without("SLACK_CLIENT_SECRET"), "^SLACK_CLIENT_SECRET is not set, and Slack's OAuth"),
    (without("SLACK_CLIENT_ID"), "^SLACK_CLIENT_ID is not set, and Slack's OAuth"),
    (without("SLACK_STATE_SECRET"), "^SLACK_STATE_SECRET is not set.*secrets.token_urlsafe"),
    (without("SLACK_TOKEN_KEY"), "^SLACK_TOKEN_KEY is not set.*Fernet.generate_key"),
    (without(SLACK_TOKEN_KEY="not-a-key"), "^SLACK_TOKEN_KEY is not a Fernet key"),
    (without("SLACK_SIGNING_SECRET"), "^SLACK_SIGNING_SECRET is not set, and Slack's OAuth"),
    (without(SLACK_APP_TOKEN="xapp-1"), "served over HTTP, not Socket Mode: unset SLACK_APP"),
    (without("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET"),
     "^SLACK_BOT_TOKEN is not set.*SLACK_CLIENT_ID"),
])
def test_each_problem_is_one_line(env, line):
    with pytest.raises(ConfigError, match=line) as raised:
        load_settings(env)
    assert "\n" not in str(raised.value)
