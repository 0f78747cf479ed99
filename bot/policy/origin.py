"""Who is asking, from where, read from the payload alone (no API call): the installation's
team, whether the person belongs to another organisation, whether the channel is shared."""

from __future__ import annotations

from bot.policy.decide import Asker


def _authorization(body: dict) -> dict:
    found = body.get("authorizations") or [{}]
    return found[0] if isinstance(found[0], dict) else {}


def installation_team(body: dict) -> str:
    """The team the app is installed in: the envelope's authorization, else its `team_id`."""
    return _authorization(body).get("team_id") or body.get("team_id") or ""


def home_teams(body: dict) -> set[str]:
    """The installation's team and, on an Enterprise Grid install, every team the payload
    shows as part of the installation's enterprise."""
    teams = {installation_team(body)}
    enterprise = _authorization(body).get("enterprise_id") or body.get("enterprise_id")
    if enterprise:
        teams.update(a.get("team_id") for a in body.get("authorizations") or ()
                     if isinstance(a, dict) and a.get("enterprise_id") == enterprise)
        for team_key, enterprise_key in (("team_id", "enterprise_id"),
                                         ("context_team_id", "context_enterprise_id")):
            if body.get(enterprise_key) == enterprise:
                teams.add(body.get(team_key))
    return {t for t in teams if t}


def event_asker(event: dict, body: dict) -> Asker:
    """A message or mention event: the person's team is the event's `user_team` (Slack Connect
    events carry it), else the message's `team`."""
    person_team = event.get("user_team") or event.get("team")
    channel = event.get("channel", "")
    return Asker(team=installation_team(body), user=event.get("user", ""), channel=channel,
                 dm=event.get("channel_type") == "im" or channel.startswith("D"),
                 external=bool(person_team) and person_team not in home_teams(body),
                 shared=body.get("is_ext_shared_channel") is True)


def command_asker(command: dict, team: str | None, enterprise: str | None) -> Asker:
    """A slash command: the person's team is the payload's `user_team`, else its `team_id`;
    `team`/`enterprise` are the installation's (from the bot's own auth.test)."""
    person_team = command.get("user_team") or command.get("team_id")
    home = {team} | ({command.get("team_id")} if enterprise and
                     command.get("enterprise_id") == enterprise else set())
    channel = command.get("channel_id", "")
    shared = str(command.get("is_ext_shared_channel", "")).lower() == "true"
    return Asker(team=team or command.get("team_id", ""), user=command.get("user_id", ""),
                 channel=channel, dm=channel.startswith("D"),
                 external=bool(team and person_team) and person_team not in home,
                 shared=shared)
