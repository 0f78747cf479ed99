"""Who is asking, from where, read from the payload alone (no API call): whether the person
belongs to another organisation, whether the channel is shared. Whose installation it is
comes from bot.installation."""

from __future__ import annotations

from bot.installation import Installation
from bot.policy.decide import Asker


def event_asker(event: dict, body: dict, installation: Installation) -> Asker:
    """A message or mention event: the person's team is the event's `user_team` (Slack Connect
    events carry it; it may be the organisation's id), else the message's `team`."""
    person_team = event.get("user_team") or event.get("team")
    channel = event.get("channel", "")
    return Asker(team=installation.id, user=event.get("user", ""), channel=channel,
                 dm=event.get("channel_type") == "im" or channel.startswith("D"),
                 external=bool(person_team) and not installation.includes(person_team, body),
                 shared=body.get("is_ext_shared_channel") is True)


def command_asker(command: dict, installation: Installation) -> Asker:
    """A slash command: the person's team is the payload's `user_team`, else its `team_id`."""
    person_team = command.get("user_team") or command.get("team_id")
    channel = command.get("channel_id", "")
    shared = str(command.get("is_ext_shared_channel", "")).lower() == "true"
    return Asker(team=installation.id, user=command.get("user_id", ""),
                 channel=channel, dm=channel.startswith("D"),
                 external=bool(installation.id and person_team)
                 and not installation.includes(person_team, command),
                 shared=shared)
