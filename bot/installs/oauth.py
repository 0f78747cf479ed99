"""Slack's OAuth install for many workspaces (HTTP mode), through Bolt's own flow:
`/slack/install` offers "Add to Slack", `/slack/oauth_redirect` exchanges the code
(`oauth.v2.access`) and saves the installation in the ledger's database; every request is then
authorized from that store, and `app_uninstalled` / `tokens_revoked` delete from it (Bolt's
listeners). The state parameter is signed with SLACK_STATE_SECRET, so any instance can finish an
install another one began."""

from __future__ import annotations

from urllib.parse import urljoin

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.state_store.stateless import StatelessOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import DEFAULT_SLACK_API_URL
from bot.installs.settings import OAuthSettings
from bot.installs.store import SqlInstallationStore

# The manifest's oauth_config.scopes.bot (tests/unit/test_manifest.py keeps them equal).
BOT_SCOPES = ("app_mentions:read", "assistant:write", "channels:history", "chat:write",
              "commands", "files:read", "files:write", "groups:history", "im:history",
              "mpim:history", "search:read.public", "users:read")
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 300  # how long a person may take on Slack's consent page


class StoredAuthorize(AsyncAuthorize):
    """Authorization from the store alone. The install saved the bot's ids with its token, so no
    `auth.test` runs before an answer's placeholder; an installation that was removed (or never
    made) is refused at once, and no call is made with its old token."""

    def __init__(self, store: SqlInstallationStore):
        self.store = store

    async def __call__(self, *, context, enterprise_id: str | None, team_id: str | None,
                       user_id: str | None, **_actor) -> AuthorizeResult | None:
        bot = await self.store.async_find_bot(enterprise_id=enterprise_id, team_id=team_id,
                                              is_enterprise_install=context.is_enterprise_install)
        if bot is None:
            return None
        return AuthorizeResult(enterprise_id=bot.enterprise_id, team_id=bot.team_id,
                               bot_user_id=bot.bot_user_id, bot_id=bot.bot_id,
                               bot_token=bot.bot_token, bot_scopes=bot.bot_scopes)


def app_arguments(oauth: OAuthSettings, store: SqlInstallationStore, client: AsyncWebClient,
                  slack_api_url: str) -> dict:
    """What AsyncApp needs to install and authorize through the store."""
    authorization_url = None  # Slack's consent page; beside the Web API elsewhere (GovSlack)
    if slack_api_url != DEFAULT_SLACK_API_URL:
        authorization_url = urljoin(slack_api_url, "/oauth/v2/authorize")
    settings = AsyncOAuthSettings(
        client_id=oauth.client_id, client_secret=oauth.client_secret, scopes=list(BOT_SCOPES),
        installation_store=store, install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorization_url,
        state_store=StatelessOAuthStateStore(expiration_seconds=STATE_SECONDS,
                                             signing_secret=oauth.state_secret))
    return {"oauth_flow": AsyncOAuthFlow(client=client, settings=settings),
            "installation_store": store, "authorize": StoredAuthorize(store)}
