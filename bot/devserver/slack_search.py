"""Slack's real-time search and people for the Slack double: assistant.search.context over the
messages people typed, and users.info.

- assistant.search.context (docs.slack.dev/reference/methods/assistant.search.context): `query`
  required; `channel_types` of public_channel, private_channel, mpim, im (default
  public_channel) — a bot token searches public channels only (scope search:read.public, else
  `missing_scope`); `content_types` of messages, files, channels, users (default messages);
  `limit` 1..20 (default 20); `action_token`, as received in a message event, recorded. Bots'
  messages are left out unless `include_bots`. An app or workspace without real-time search
  answers `not_allowed` (`search_enabled = False`). The rate limit is "10+ requests per minute"
  for most teams: `search_per_minute` (default 10) per workspace, then 429 + Retry-After.
- users.info (scope users:read): `is_restricted` (multi-channel guest) and
  `is_ultra_restricted` (single-channel guest); `user_not_found` for someone unknown. Anyone
  who posted a message is known, as a full member of the team, unless added otherwise.

Mixed into SlackServer (bot/devserver/slack.py), which provides _channels, team_id, origin,
bot_id, missing_scopes and _take_slot."""

from __future__ import annotations

import copy
import re

from .slack_webapi import Answer, err, ok

CHANNEL_TYPES = {"public_channel", "private_channel", "mpim", "im"}
CONTENT_TYPES = {"messages", "files", "channels", "users"}
MAX_LIMIT = 20
_WORD = re.compile(r"[\w']+")
# Words that say nothing about what is searched for (a natural-language question's frame).
_STOP = {"a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "is", "are", "was",
         "were", "we", "i", "you", "it", "what", "who", "when", "where", "why", "how", "did",
         "do", "does", "about", "with", "this", "that", "our", "my", "any", "be"}


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


class SearchMixin:
    search_per_minute: int | None = 10
    search_enabled = True

    def _init_search(self) -> None:
        self.users: dict[str, dict] = {}
        self.channel_kinds: dict[str, dict] = {}  # channel -> {name, type}; see add_channel

    # --- set-up ---

    def add_user(self, user_id: str, *, name: str | None = None, team_id: str | None = None,
                 is_restricted: bool = False, is_ultra_restricted: bool = False) -> dict:
        name = name or user_id.lower()
        self.users[user_id] = {
            "id": user_id, "team_id": team_id or self.team_id, "name": name,
            "real_name": name.title(), "deleted": False, "is_bot": False,
            "is_admin": False, "is_owner": False,
            "is_restricted": is_restricted or is_ultra_restricted,  # a single-channel guest too
            "is_ultra_restricted": is_ultra_restricted,
            "profile": {"real_name": name.title(), "display_name": name}}
        return copy.deepcopy(self.users[user_id])

    def add_channel(self, channel: str, name: str, kind: str = "public_channel") -> None:
        """Name a channel and say what it is (public_channel, private_channel, mpim, im); by
        default a C… id is public, G… private, D… a direct message."""
        if kind not in CHANNEL_TYPES:
            raise ValueError(kind)
        self.channel_kinds[channel] = {"name": name, "type": kind}

    def _channel_kind(self, channel: str) -> dict:
        default = {"D": "im", "G": "private_channel"}.get(channel[:1], "public_channel")
        return self.channel_kinds.get(channel, {"name": channel.lower(), "type": default})

    def _known_user(self, user_id: str) -> dict | None:
        if user_id not in self.users and any(
                m.get("user") == user_id and not m.get("bot_id")
                for messages in self._channels.values() for m in messages.values()):
            self.add_user(user_id)
        return self.users.get(user_id)

    def permalink(self, channel: str, ts: str) -> str:
        link = f"{self.origin}/archives/{channel}/p{ts.replace('.', '')}"
        message = self._channels.get(channel, {}).get(ts) or {}
        root = message.get("thread_ts")
        return link + (f"?thread_ts={root}&cid={channel}" if root and root != ts else "")

    # --- methods ---

    def _api_users_info(self, params: dict) -> Answer:
        if "users:read" in self.missing_scopes:
            return 200, {"ok": False, "error": "missing_scope", "needed": "users:read"}, {}
        user = self._known_user(params.get("user") or "")
        return ok(user=copy.deepcopy(user)) if user else err("user_not_found")

    def _api_assistant_search_context(self, params: dict) -> Answer:
        if limited := self._take_slot("assistant.search.context", self.search_per_minute):
            return limited
        if "search:read.public" in self.missing_scopes:
            return 200, {"ok": False, "error": "missing_scope",
                         "needed": "search:read.public"}, {}
        if not self.search_enabled:
            return err("not_allowed")
        query = str(params.get("query") or "").strip()
        kinds = _listed(params.get("channel_types"), "public_channel")
        contents = _listed(params.get("content_types"), "messages")
        try:
            limit = int(params.get("limit") or MAX_LIMIT)
        except ValueError:
            return err("invalid_arguments")
        if not query or not kinds <= CHANNEL_TYPES or not contents <= CONTENT_TYPES \
                or not 1 <= limit <= MAX_LIMIT:
            return err("invalid_arguments")
        if kinds - {"public_channel"}:  # a bot token sees public channels only
            needed = f"search:read.{sorted(kinds - {'public_channel'})[0].split('_')[0]}"
            return 200, {"ok": False, "error": "missing_scope", "needed": needed}, {}
        bots = str(params.get("include_bots", "")).lower() in ("1", "true")
        found = self._matches(query, kinds, bots)[:limit] if "messages" in contents else []
        return ok(results={"messages": found, "files": [], "channels": [], "users": []},
                  response_metadata={"next_cursor": ""})

    def _matches(self, query: str, kinds: set[str], bots: bool) -> list[dict]:
        wanted = _terms(query)
        scored = []
        for channel, messages in self._channels.items():
            where = self._channel_kind(channel)
            if where["type"] not in kinds:
                continue
            for message in messages.values():
                if (message.get("bot_id") and not bots) or message.get("subtype"):
                    continue
                score = len(wanted & _terms(message.get("text") or ""))
                if score:
                    scored.append((score, message["ts"], self._result(channel, where, message)))
        scored.sort(key=lambda s: (s[0], float(s[1])), reverse=True)
        return [result for _, _, result in scored]

    def _result(self, channel: str, where: dict, message: dict) -> dict:
        author = message.get("user") or message.get("bot_id") or ""
        person = self._known_user(author) if message.get("user") else None
        return {"author_user_id": author,
                "author_name": person["real_name"] if person else "bot",
                "team_id": message.get("team", self.team_id), "channel_id": channel,
                "channel_name": where["name"], "message_ts": message["ts"],
                "content": message.get("text") or "", "is_author_bot": bool(
                    message.get("bot_id")), "permalink": self.permalink(channel, message["ts"])}


def _listed(value: object, default: str) -> set[str]:
    return {v.strip() for v in str(value or default).split(",") if v.strip()}
