"""The settings of Slack's OAuth install (many workspaces), checked at start: each problem is one
line naming the variable and the fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

NEW_KEY = ("python -c 'from cryptography.fernet import Fernet; "
           "print(Fernet.generate_key().decode())'")
NEW_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class OAuthSettingsError(Exception):
    """One OAuth setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class OAuthSettings:
    client_id: str
    client_secret: str
    state_secret: str  # signs the install's `state` parameter
    token_key: str  # Fernet key that encrypts the stored tokens

    def secrets(self) -> list[str]:
        return [self.client_secret, self.state_secret, self.token_key]


def oauth_settings(env: Mapping[str, str]) -> OAuthSettings | None:
    """The OAuth settings, or None when none is set (one workspace, SLACK_BOT_TOKEN)."""
    value = {name: env.get(name, "").strip() or None for name in (
        "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET", "SLACK_TOKEN_KEY")}
    if not any(value[n] for n in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET")):
        return None
    for name, other in (("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"),
                        ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")):
        if value[other] is None:
            raise OAuthSettingsError(
                f"{other} is not set, and Slack's OAuth install needs it with {name}: copy both "
                "from the app's Basic Information page (App Credentials), or unset them and set "
                "SLACK_BOT_TOKEN to serve one workspace.")
    if value["SLACK_STATE_SECRET"] is None:
        raise OAuthSettingsError("SLACK_STATE_SECRET is not set, and Slack's OAuth install needs "
                                 f"it: set it to a long random string ({NEW_SECRET}).")
    key = value["SLACK_TOKEN_KEY"]
    if key is None:
        raise OAuthSettingsError("SLACK_TOKEN_KEY is not set, and Slack's OAuth install needs it "
                                 f"to encrypt the stored tokens: generate one with {NEW_KEY}")
    from cryptography.fernet import Fernet  # only with OAuth: one workspace never loads it

    try:
        Fernet(key)
    except ValueError:
        raise OAuthSettingsError("SLACK_TOKEN_KEY is not a Fernet key (32 bytes in URL-safe "
                                 f"base64): generate one with {NEW_KEY}") from None
    return OAuthSettings(value["SLACK_CLIENT_ID"], value["SLACK_CLIENT_SECRET"],
                         value["SLACK_STATE_SECRET"], key)
