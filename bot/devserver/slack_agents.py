"""Slack's agent surface for the Slack double: agents.sessions.setStatus, the stop button
(`agent_session_stopped`), and clicks on feedback buttons (`block_actions`), delivered over
Socket Mode or, signed, over HTTP as Slack would.

- agents.sessions.setStatus: status ∈ active / processing / suspended / closed; channel_id and
  thread_ts (a thread-based session) required; title ≤ 200 characters and, like
  initiator_user_id, kept only when the session is created; the token needs chat:write, and only
  an app declared as an agent (which adds assistant:write) may create sessions
  (docs.slack.dev/reference/methods/agents.sessions.setStatus, docs.slack.dev/ai/agent-sessions).
  Tier 3: about 50 a minute per workspace (slack-morphism's rate config for the method; the
  docs page names no tier), `status_per_minute` (None: no limit).
- agent_session_stopped: {channel, thread_ts, user, streaming_message_ts: [ts of the app's
  streams Slack stopped]}; Slack leaves the session's status alone
  (docs.slack.dev/reference/events/agent_session_stopped).

Mixed into SlackServer (bot/devserver/slack.py), which provides _channels, _thread_root,
_seq, clock, _notify, _take_slot, send_event and _send_envelope."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from urllib.parse import urlencode

import aiohttp

from .slack_socket import VERIFICATION_TOKEN
from .slack_webapi import Answer, err, ok

STATUSES = {"active", "processing", "suspended", "closed"}
TITLE_LIMIT = 200
HttpTarget = tuple[str, str]  # (the app's /slack/events URL, its signing secret)


class AgentsMixin:
    status_per_minute: int | None = 50  # setStatus is Tier 3

    def _init_agents(self) -> None:
        self.sessions: dict[tuple[str, str], dict] = {}  # (channel, thread_ts) -> session
        self.missing_scopes: set[str] = set()  # scopes the test app was not granted

    # --- agents.sessions.setStatus ---

    def _api_agents_sessions_setStatus(self, params: dict) -> Answer:
        if limited := self._take_slot("agents.sessions.setStatus", self.status_per_minute):
            return limited
        for scope in ("chat:write", "assistant:write"):  # an agent: assistant:write is added
            if scope in self.missing_scopes:
                return 200, {"ok": False, "error": "missing_scope", "needed": scope}, {}
        status, channel, thread_ts = (params.get(k) for k in ("status", "channel_id",
                                                               "thread_ts"))
        title = params.get("title")
        if status not in STATUSES or not channel or not thread_ts:
            return err("invalid_arguments")
        if title is not None and not 1 <= len(str(title)) <= TITLE_LIMIT:
            return err("invalid_arguments")
        if self._thread_root(channel, thread_ts) != thread_ts:
            return err("thread_not_found")
        session = self.sessions.get((channel, thread_ts))
        if session is None:  # title and initiator only count when the session is created
            session = self.sessions[(channel, thread_ts)] = {
                "title": title, "initiator_user_id": params.get("initiator_user_id"),
                "statuses": []}
        self._session_to(channel, thread_ts, status)
        return ok(status=status, title=session["title"])

    def _session_to(self, channel: str, thread_ts: str | None, status: str) -> None:
        """The thread's session (if there is one) takes `status`."""
        session = self.sessions.get((channel, thread_ts))
        if session is not None:
            session["status"] = status
            session["statuses"].append(status)
            self._notify()

    def session_status(self, channel: str, thread_ts: str) -> list[str]:
        """Every status set for the thread's session, in order."""
        return list(self.sessions.get((channel, thread_ts), {}).get("statuses", []))

    # --- the stop button ---

    async def stop_session(self, channel: str, thread_ts: str, user: str, *,
                           http: HttpTarget | None = None) -> str | int:
        """A person presses stop: Slack ends the app's streams in the thread (further appends
        and stops are refused), then sends agent_session_stopped. Returns the envelope id, or
        the HTTP status the app answered."""
        stopped = []
        for message in self._channels.get(channel, {}).values():
            if message.get("streaming") and message.get("thread_ts") == thread_ts:
                del message["streaming"]
                message["stopped_by"] = user
                stopped.append(message["ts"])
        self._notify()
        event = {"type": "agent_session_stopped", "channel": channel, "thread_ts": thread_ts,
                 "user": user, "streaming_message_ts": stopped, "event_ts": f"{time.time():.6f}"}
        if http is None:
            return await self.send_event(event)
        payload = {"token": VERIFICATION_TOKEN, "team_id": self.team_id,
                   "api_app_id": self.app_id, "event": event, "type": "event_callback",
                   "event_id": f"Ev{next(self._seq):08d}", "event_time": int(time.time()),
                   "authorizations": [{"team_id": self.team_id, "user_id": self.bot_user_id,
                                       "is_bot": True}]}
        return await post_signed(http, json.dumps(payload), "application/json")

    # --- feedback buttons ---

    async def click_feedback(self, channel: str, message_ts: str, user: str, value: str, *,
                             http: HttpTarget | None = None,
                             user_team: str | None = None) -> str | int:
        """A person clicks 👍 (`positive`) or 👎 (`negative`) under a message; only buttons the
        message shows can be clicked. Returns the envelope id, or the app's HTTP status.
        `user_team`: the clicker's workspace (another organisation's in a Slack Connect
        channel). As on Slack, the payload's `team` is the clicker's, and null on an org-wide
        install (Bolt's `request/internals.py`, `extract_team_id`)."""
        message = self._channels.get(channel, {}).get(message_ts)
        found = _feedback_buttons(message or {})
        if found is None:
            raise AssertionError(f"message {message_ts} shows no feedback buttons")
        block_id, element = found
        button = element[f"{value}_button"]
        action = {"type": "feedback_buttons", "action_id": element.get("action_id", ""),
                  "block_id": block_id, "value": button["value"],
                  "action_ts": f"{time.time():.6f}"}
        n = next(self._seq)
        clicker_team = user_team or self.team_id
        payload = {
            "type": "block_actions", "token": VERIFICATION_TOKEN, "api_app_id": self.app_id,
            "user": {"id": user, "username": user.lower(), "team_id": clicker_team},
            "team": None if self.org_wide else {"id": clicker_team, "domain": "testteam"},
            "enterprise": {"id": self.enterprise_id, "name": "Test Org"} if self.enterprise_id
            else None,
            "is_enterprise_install": self.org_wide,
            "channel": {"id": channel, "name": channel.lower()},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                          "is_ephemeral": False, "thread_ts": message.get("thread_ts")},
            "message": message, "state": {"values": {}}, "actions": [action],
            "trigger_id": f"{n}.{n * 7}.{uuid.uuid4().hex}",
            "response_url": f"{self.origin}/response/{self.team_id}/{n}/{uuid.uuid4().hex}"}
        if http is None:
            return await self._send_envelope({"envelope_id": str(uuid.uuid4()),
                                              "payload": payload, "type": "interactive",
                                              "accepts_response_payload": False})
        body = urlencode({"payload": json.dumps(payload)})
        return await post_signed(http, body, "application/x-www-form-urlencoded")


def _feedback_buttons(message: dict) -> tuple[str, dict] | None:
    for index, block in enumerate(message.get("blocks") or ()):
        if block.get("type") != "context_actions":
            continue
        for element in block.get("elements") or ():
            if element.get("type") == "feedback_buttons":
                return block.get("block_id") or f"b{index}", element
    return None


def signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's request signature: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


async def post_signed(target: HttpTarget, body: str, content_type: str) -> int:
    """POST `body` to the app as Slack does in HTTP mode; the status it answered."""
    url, secret = target
    timestamp = str(int(time.time()))
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": signature(secret, timestamp, body)}
    async with aiohttp.ClientSession() as http, http.post(url, data=body,
                                                          headers=headers) as response:
        await response.read()
        return response.status
