"""Web API methods of the Slack double (https://slack.com/api/<method>).

Mixed into SlackServer (bot/devserver/slack.py). Each handler takes the merged params
and returns (status, body, extra_headers); `_handle_api` does token checks, fault
injection and recording around it.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import math
import secrets
from typing import Any

from aiohttp import web

from .slack_text import slack_escaped, translated
from .slack_validate import validate_message

Answer = tuple[int, dict, dict]

# Methods that take the bot token; apps.connections.open takes the app token.
BOT_METHODS = {
    "auth.test",
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "chat.delete",
    "assistant.threads.setStatus",
    "reactions.add",
    "conversations.replies",
    "files.info",
    "chat.startStream",
    "chat.appendStream",
    "chat.stopStream",
    "agents.sessions.setStatus",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
    "assistant.search.context",
    "users.info",
}
# Sent back in x-oauth-scopes (Bolt reads it); files:read only when files_scope is on.
SCOPES = ",".join(
    [
        "app_mentions:read",
        "assistant:write",
        "channels:history",
        "chat:write",
        "commands",
        "groups:history",
        "im:history",
        "mpim:history",
        "reactions:write",
        "search:read.public",
        "users:read",
    ]
)
JSON_STRING_PARAMS = ("blocks", "attachments", "metadata")


def ok(**fields: Any) -> Answer:
    return 200, {"ok": True, **fields}, {}


DROPPED = 0  # a fault's status: the connection closes without an answer


def err(error: str, status: int = 200, headers: dict | None = None) -> Answer:
    return status, {"ok": False, "error": error}, headers or {}


class WebApiMixin:
    async def _handle_api(self, request: web.Request) -> web.Response:
        at = self.clock()  # arrival time, before reading the body
        method = request.match_info["method"]
        params, body_error = await _read_params(request)
        header_token = bearer(request)
        param_token = params.pop("token", None)  # query/form only (see _read_params)
        token = header_token or param_token
        answer = await self._inject_faults(method)
        if answer is None:
            if body_error:
                answer = err(body_error)
            elif method == "oauth.v2.access":  # the app's credentials, not a token
                answer = self._api_oauth_v2_access(params, request)
            else:
                answer = self._dispatch(method, params, token, header_token)
        status, body, headers = answer
        install = self.installed_token(token)
        if (token == self.bot_token or (install and not install.revoked)) \
                and method in BOT_METHODS:
            granted = SCOPES + (",files:read" if self.files_scope else "") + ",files:write"
            scopes = ",".join(s for s in granted.split(",") if s not in self.missing_scopes)
            headers = {"x-oauth-scopes": scopes, **headers}
        self._record(method, params, token, at, status, body, request)
        if status == DROPPED:
            if request.transport is not None:
                request.transport.abort()  # the client sees the connection drop
            return web.Response()  # never sent
        return self._json(status, body, headers)

    def _dispatch(self, method: str, params: dict, token: str | None, header_token: str | None):
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return err("unknown_method")
        if method == "apps.connections.open":
            # The app token is only accepted in the Authorization header.
            if header_token is None:
                return err("not_authed")
            return handler(params) if header_token == self.app_token else err("invalid_auth")
        if not token:
            return err("not_authed")
        if token == self.app_token:
            return err("not_allowed_token_type")
        install = self.installed_token(token)
        if install is not None:  # a token issued by an OAuth install
            if install.revoked:
                return err("token_revoked")
            if method == "auth.test":
                return self._install_auth_test(install)
            with self.acting_as(install):  # its own bot user and bot in every message
                return self._dispatch_checked(method, handler, params)
        if token != self.bot_token:
            return err("invalid_auth")
        return self._dispatch_checked(method, handler, params)

    def _dispatch_checked(self, method: str, handler, params: dict):
        for key in ("channel", "channel_id"):
            if key in params and params[key] in self.missing_channels:
                return err("channel_not_found")
        return handler(params)

    # --- auth / socket mode ---

    def _api_auth_test(self, params: dict) -> Answer:
        # An org-wide token's own team is the organisation (slackapi/deno-slack-runtime#65).
        extra = {"enterprise_id": self.enterprise_id} if self.enterprise_id else {}
        return ok(
            url=f"{self.origin}/",
            team="Test Team",
            user="claude",
            team_id=self.enterprise_id if self.org_wide else self.team_id,
            user_id=self.bot_user_id,
            bot_id=self.bot_id,
            is_enterprise_install=self.org_wide,
            **extra,
        )

    def _api_apps_connections_open(self, params: dict) -> Answer:
        ticket = secrets.token_hex(8)
        self._tickets.add(ticket)
        ws_origin = self.origin.replace("http://", "ws://", 1)
        return ok(url=f"{ws_origin}/link/?ticket={ticket}&app_id={self.app_id}")

    # --- chat ---

    def _cannot_post(self, params: dict) -> Answer | None:
        """Why the bot may not post in params["channel"] (None: it may)."""
        if not params.get("channel"):
            return err("channel_not_found")
        if params["channel"] in self.not_in_channel:
            return err("not_in_channel")
        return None

    def _api_chat_postMessage(self, params: dict) -> Answer:
        if refused := self._cannot_post(params):
            return refused
        channel = params["channel"]
        if limited := self._take_post_slot(channel):
            return limited
        if not _has_content(params):
            return err("no_text")
        error = validate_message(params)
        if error:
            return err(error)
        fields = {k: self._as_stored(k, params[k])
                  for k in ("blocks", "attachments", "metadata") if k in params}
        if "markdown_text" in params:
            fields["markdown_text"] = params["markdown_text"]
        msg = self.add_message(
            channel,
            user=self.bot_user_id,
            bot_id=self.bot_id,
            text=self._as_stored("text", params.get("text", "")),
            thread_ts=params.get("thread_ts") or None,
            app_id=self.app_id,
            bot_profile={"id": self.bot_id, "app_id": self.app_id, "name": "Claude"},
            **fields,
        )
        self._replied(channel, params.get("thread_ts") or None)
        return ok(channel=channel, ts=msg["ts"], message=msg)

    def _api_chat_update(self, params: dict) -> Answer:
        # Slack rate-limits before looking at the call
        limited = self._take_slot("chat.update", self.updates_per_minute)
        if limited is not None:
            return limited
        channel, ts = params.get("channel"), params.get("ts")
        if not channel:
            return err("channel_not_found")
        msg = self._channels.get(channel, {}).get(ts or "")
        if msg is None:
            return err("message_not_found")
        if msg.get("bot_id") != self.bot_id:
            return err("cant_update_message")
        if msg.get("streaming"):  # only chat.stopStream ends a stream
            return err("streaming_state_conflict")
        if not _has_content(params):
            return err("no_text")
        error = validate_message(params)
        if error:
            return err(error)
        # Fields left out keep their old value; an empty `blocks` list removes blocks.
        for key in ("text", "blocks", "attachments", "metadata", "markdown_text"):
            if key in params:
                msg[key] = self._as_stored(key, params[key])
        if msg.get("blocks") == []:
            del msg["blocks"]
        self._notify()
        text = msg.get("text", "")
        return ok(channel=channel, ts=ts, text=text, message=copy.deepcopy(msg))

    def _as_stored(self, key: str, value: Any) -> Any:
        """A posted field as Slack stores it (slack_text.py)."""
        if key == "text" and isinstance(value, str):
            return slack_escaped(value)
        if key == "blocks" and self.translate_markdown and isinstance(value, list):
            return translated(copy.deepcopy(value))
        return copy.deepcopy(value)

    def _take_slot(self, method: str, per_minute: int | None) -> Answer | None:
        """Sliding 60 s window of `method` calls per team (Slack's limits are per method per
        workspace); None when the call may proceed."""
        if per_minute is None:
            return None
        now = self.clock()
        window = self._update_times.setdefault((self.team_id, method), [])
        window[:] = [t for t in window if t > now - 60]
        if len(window) >= per_minute:
            retry_after = max(1, math.ceil(window[0] + 60 - now))
            return err("ratelimited", 429, {"Retry-After": str(retry_after)})
        window.append(now)
        return None

    def _api_chat_postEphemeral(self, params: dict) -> Answer:
        # Slack: the same content rules as chat.postMessage, and the user must be in the
        # channel (docs.slack.dev/reference/methods/chat.postEphemeral).
        if refused := self._cannot_post(params):
            return refused
        if not params.get("user"):
            return err("user_not_found")
        if (params["channel"], params["user"]) in self.not_members:
            return err("user_not_in_channel")
        if not _has_content(params):
            return err("no_text")
        error = validate_message(params)
        if error:
            return err(error)
        # Slack shows an ephemeral message in a thread only if the thread already exists
        # (api.slack.com/methods/chat.postEphemeral, `thread_ts`); otherwise nobody sees it.
        thread_ts = params.get("thread_ts")
        root = self._thread_root(params["channel"], thread_ts) if thread_ts else None
        shown = not thread_ts or (root is not None
                                  and len(self._replies(params["channel"], root)) > 1)
        self.ephemerals.append({**copy.deepcopy(params), "shown": shown})  # never stored
        return ok(message_ts=self._new_ts())

    def _api_chat_delete(self, params: dict) -> Answer:
        if limited := self._take_slot("chat.delete", self.deletes_per_minute):
            return limited
        channel, ts = params.get("channel"), params.get("ts")
        messages = self._channels.get(channel or "", {})
        msg = messages.get(ts or "")
        if msg is None:
            return err("message_not_found")
        if msg.get("bot_id") != self.bot_id:
            return err("cant_delete_message")
        del messages[ts]
        if msg.get("thread_ts") and msg["thread_ts"] != ts:
            self._recount(channel, msg["thread_ts"])
        self._notify()
        return ok(channel=channel, ts=ts)

    def _api_reactions_add(self, params: dict) -> Answer:
        if not params.get("channel") or not params.get("timestamp") or not params.get("name"):
            return err("invalid_arguments")
        return ok()

    # --- reading ---

    def _api_conversations_replies(self, params: dict) -> Answer:
        # Tier 3 for internal and Marketplace apps (docs.slack.dev/reference/methods/
        # conversations.replies)
        if limited := self._take_slot("conversations.replies", self.replies_per_minute):
            return limited
        channel, ts = params.get("channel"), params.get("ts")
        if not channel:
            return err("channel_not_found")
        root = self._thread_root(channel, ts or "")
        if root is None:
            return err("thread_not_found")
        messages = self._replies(channel, root)
        try:
            start = _decode_cursor(params.get("cursor"))
        except ValueError:
            return err("invalid_cursor")
        try:
            limit = int(params.get("limit") or self.replies_page_max)
        except ValueError:
            return err("invalid_arguments")
        if limit <= 0:
            limit = self.replies_page_max  # 0 means "the default", as in Slack
        limit = min(limit, self.replies_page_max)
        page = copy.deepcopy(messages[start : start + limit])
        if str(params.get("include_all_metadata", "")).lower() not in ("1", "true"):
            for message in page:  # as in Slack: metadata only when asked for
                message.pop("metadata", None)
        has_more = start + limit < len(messages)
        next_cursor = _encode_cursor(start + limit) if has_more else ""
        return ok(
            messages=page,
            has_more=has_more,
            response_metadata={"next_cursor": next_cursor},
        )

    def _api_files_info(self, params: dict) -> Answer:
        entry = self._files.get(params.get("file") or "")
        if params.get("file") in self.deleted_files:
            return err("file_deleted")
        if entry is None:
            return err("file_not_found")
        return ok(file=copy.deepcopy(entry[0]), comments=[], response_metadata={"next_cursor": ""})


async def _read_params(request: web.Request) -> tuple[dict, str | None]:
    """Query string merged with a form or JSON body; JSON-string blocks decoded."""
    params: dict[str, Any] = dict(request.query)
    error = None
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                body, error = {}, "invalid_json"
            if not isinstance(body, dict):
                body, error = {}, "invalid_json"
            # Slack ignores a token inside a JSON body: JSON requests must use the header.
            body.pop("token", None)
            params.update(body)
        else:
            params.update(await request.post())
    for key in JSON_STRING_PARAMS:
        if isinstance(params.get(key), str):
            # Undecodable JSON stays a string; validation answers invalid_blocks_format.
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params, error


def bearer(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth[len("Bearer ") :] if auth.startswith("Bearer ") else None


def _has_content(params: dict) -> bool:
    return any(params.get(k) for k in ("text", "blocks", "attachments", "markdown_text"))


def _encode_cursor(index: int) -> str:
    return base64.b64encode(f"next_index:{index}".encode()).decode()


def _decode_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    prefix, _, index = base64.b64decode(str(cursor), validate=True).decode().partition(":")
    if prefix != "next_index" or not index.isdigit():
        raise ValueError(cursor)
    return int(index)
