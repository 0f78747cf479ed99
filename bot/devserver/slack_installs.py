"""Slack's OAuth install, as the Slack double plays it (docs.slack.dev/authentication/
installing-with-oauth, docs.slack.dev/reference/methods/oauth.v2.access):

- `approve(team_id, …)` is a person clicking "Allow" on Slack's consent page: it returns the
  one-time `code` Slack would put in the redirect to the app;
- `oauth.v2.access` takes the app's client id and secret (HTTP Basic auth, as slack-sdk sends
  them, or form fields) and the code, once; it answers the workspace's (or, org-wide, the
  organisation's) bot token, bot user and ids;
- each installation's bot token works for the bot methods (auth.test names its team) until it
  is revoked (`uninstall`): then Slack answers `token_revoked`; a token it never issued is
  `invalid_auth`;
- `event_payload` is an Events API payload as Slack posts it for one installation.

Mixed into SlackServer (bot/devserver/slack.py)."""

from __future__ import annotations

import base64
import contextlib
import itertools
import secrets
import time
from dataclasses import dataclass

from aiohttp import web

from .slack_webapi import SCOPES, err, ok

_numbers = itertools.count(1)


@dataclass
class Install:
    token: str
    team_id: str | None  # None on an org-wide install
    enterprise_id: str | None
    org_wide: bool
    bot_user_id: str
    bot_id: str
    revoked: bool = False


class InstallsMixin:
    def _init_installs(self) -> None:
        self.client_id: str | None = None  # the app's credentials (Basic Information page)
        self.client_secret: str | None = None
        self.installs: dict[str, Install] = {}  # by bot token
        self._codes: dict[str, Install] = {}

    def distribute(self, client_id: str, client_secret: str) -> None:
        """The app may be installed through OAuth with these credentials."""
        self.client_id, self.client_secret = client_id, client_secret

    def approve(self, team_id: str | None, *, enterprise_id: str | None = None,
                org_wide: bool = False) -> str:
        """A person allowed the app in a workspace (or, org-wide, the whole organisation):
        the code Slack hands the app's redirect URL."""
        n = next(_numbers)
        install = Install(f"xoxb-installed-{n}-{secrets.token_hex(8)}",
                          None if org_wide else team_id, enterprise_id, org_wide,
                          f"UBOT{n}", f"BBOT{n}")
        code = f"code-{n}-{secrets.token_hex(4)}"
        self._codes[code] = install
        return code

    def uninstall(self, token: str) -> None:
        """The installation is removed (or its tokens revoked): the token stops working."""
        self.installs[token].revoked = True

    def installed_token(self, token: str | None) -> Install | None:
        return self.installs.get(token) if token else None

    def bot_ids(self) -> set[str]:
        """The bot of the configured token and of every installation."""
        return {self.bot_id, *(i.bot_id for i in self.installs.values())}

    @contextlib.contextmanager
    def acting_as(self, install: Install):
        """While one (synchronous) method call of this installation is answered, the bot is
        that installation's bot user."""
        own = self.bot_user_id, self.bot_id
        self.bot_user_id, self.bot_id = install.bot_user_id, install.bot_id
        try:
            yield
        finally:
            self.bot_user_id, self.bot_id = own

    def event_payload(self, event: dict, install: Install, *, team_id: str | None = None) -> dict:
        """An Events API payload for one installation; `team_id`: the workspace it happened in
        (required for an org-wide install, which spans several)."""
        team = team_id or install.team_id
        event = {"team": team, **event}
        if "ts" in event:
            event.setdefault("event_ts", event["ts"])
        payload = {
            "token": "unused", "team_id": team, "api_app_id": self.app_id, "event": event,
            "type": "event_callback", "event_id": f"Ev{next(self._seq):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": install.enterprise_id,
                                "team_id": None if install.org_wide else team,
                                "user_id": install.bot_user_id, "is_bot": True,
                                "is_enterprise_install": install.org_wide}],
            "is_ext_shared_channel": False,
        }
        if install.enterprise_id:
            payload["enterprise_id"] = install.enterprise_id
        return payload

    def _api_oauth_v2_access(self, params: dict, request: web.Request) -> tuple:
        client_id, client_secret = _basic(request) or (params.get("client_id"),
                                                       params.get("client_secret"))
        if self.client_id is None or client_id != self.client_id:
            return err("invalid_client_id")
        if client_secret != self.client_secret:
            return err("bad_client_secret")
        install = self._codes.pop(params.get("code") or "", None)
        if install is None:
            return err("invalid_code")  # unknown, or already exchanged: codes are single-use
        self.installs[install.token] = install
        enterprise = ({"id": install.enterprise_id, "name": "Test Organisation"}
                      if install.enterprise_id else None)
        return ok(access_token=install.token, token_type="bot", scope=SCOPES,
                  bot_user_id=install.bot_user_id, app_id=self.app_id,
                  team=None if install.org_wide else {"id": install.team_id,
                                                      "name": f"Team {install.team_id}"},
                  enterprise=enterprise, is_enterprise_install=install.org_wide,
                  authed_user={"id": "U0INSTALLER"})

    def _install_auth_test(self, install: Install) -> tuple:
        extra = {"enterprise_id": install.enterprise_id} if install.enterprise_id else {}
        return ok(url=f"{self.origin}/", team="Test Team", user="claude",
                  team_id=install.enterprise_id if install.org_wide else install.team_id,
                  user_id=install.bot_user_id, bot_id=install.bot_id,
                  is_enterprise_install=install.org_wide, **extra)


def _basic(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password
