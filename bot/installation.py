"""This installation: the workspace, or the whole Enterprise Grid organisation (an org-wide
install), whose token answers a request. Its `id` is the one key of everything kept per
installation — ledger rows (answers, refusals, `/claude`), feedback, spend limits, the edit and
stream budgets — so every surface (mention, message, command, button click) agrees on it.

Where Slack says it, per payload (api.slack.com/enterprise/apps/changes-apis; Bolt's
`slack_bolt/request/internals.py`):
- events carry `authorizations[0]` (`team_id`, `enterprise_id`, `is_enterprise_install`); the
  envelope's `team_id` may be another organisation's in a Slack Connect channel;
- slash commands and button clicks carry the *person's* team (`team_id`, `team.id`, null on
  org-wide installs), so there the installation is Bolt's authorization (the bot's own
  auth.test, or the installation store), with the payload's `is_enterprise_install`;
- a person's `user_team` can be the organisation's id (E…), not a workspace's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Installation:
    team: str | None = None  # the workspace (T…); none on an org-wide install
    enterprise: str | None = None  # the Enterprise Grid organisation (E…), if any
    org_wide: bool = False  # installed for the whole organisation

    @property
    def id(self) -> str:
        """The organisation's id for an org-wide install, else the workspace's."""
        first = self.enterprise if self.org_wide else self.team
        return first or self.team or self.enterprise or ""

    def includes(self, team: str | None, payload: dict) -> bool:
        """Whether a workspace or organisation id (a person's `user_team`, a payload's team)
        is this installation's: its workspace, its organisation, or a workspace the payload
        shows as part of that organisation."""
        return bool(team) and team in self._home(payload)

    def _home(self, payload: dict) -> set[str]:
        home = {self.team, self.enterprise}
        if self.enterprise:
            home.update(a.get("team_id") for a in _authorizations(payload)
                        if a.get("enterprise_id") == self.enterprise)
            for team_key, enterprise_key in (("team_id", "enterprise_id"),
                                             ("context_team_id", "context_enterprise_id")):
                if _id(payload.get(enterprise_key)) == self.enterprise:
                    home.add(_id(payload.get(team_key)))
        return {t for t in home if t}


def installation_of(payload: dict, context: Mapping | None = None) -> Installation:
    """The installation a request is for. `payload`: the request's body (an event envelope, a
    command, an interaction); `context`: Bolt's request context, whose `authorize_result`
    names the installation whose token answers (needed for commands and clicks)."""
    found = _authorizations(payload)
    if found:  # events: Slack names the installation itself
        first = found[0]
        return Installation(first.get("team_id"), first.get("enterprise_id"),
                            _true(first.get("is_enterprise_install")))
    context = context or {}
    authorized = context.get("authorize_result") or {}
    org_wide = _true(payload.get("is_enterprise_install", context.get("is_enterprise_install")))
    enterprise = authorized.get("enterprise_id") or _id(payload.get("enterprise")) \
        or payload.get("enterprise_id")
    team = authorized.get("team_id") or (None if org_wide else payload.get("team_id"))
    return Installation(team, enterprise, org_wide)


def _authorizations(payload: dict) -> list[dict]:
    return [a for a in payload.get("authorizations") or () if isinstance(a, dict)]


def _id(value) -> str | None:
    """An id given as a string or as `{"id": …}` (interaction payloads)."""
    return value.get("id") if isinstance(value, dict) else value


def _true(value) -> bool:
    return value is True or value == "true"  # commands send "true"/"false"
