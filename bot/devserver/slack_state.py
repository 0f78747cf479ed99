"""Conversation and file state of the Slack double.

Mixed into SlackServer (bot/devserver/slack.py), which sets up the attributes used here:
team_id, bot_user_id, bot_id, app_id, bot_token, files_scope, origin, clock,
_channels, _files, _file_paths, _redirects, _next_ts_us, _seq, _record, _notify.
"""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from aiohttp import web

from .slack_webapi import bearer

SIGN_IN_PAGE = (
    "<!DOCTYPE html><html><head><title>Slack</title></head><body>"
    "<h1>Sign in to Slack</h1><p>You need to sign in to see this page.</p>"
    '<form action="/signin"><input name="email"></form></body></html>'
)

_MENTION = re.compile(r"<@([A-Z0-9]+)>")


class ConversationsMixin:
    """Messages per channel, threads and Slack-style timestamps."""

    def _new_ts(self) -> str:
        # Unique, strictly increasing "seconds.micros" strings like real message ts.
        us = self._next_ts_us
        self._next_ts_us += 100
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _claim_ts(self, ts: str) -> None:
        # An explicit ts must stay unique and later generated ts must sort after it.
        sec, _, frac = ts.partition(".")
        us = int(sec) * 1_000_000 + int((frac + "000000")[:6])
        self._next_ts_us = max(self._next_ts_us, us + 100)

    def add_message(
        self,
        channel: str,
        *,
        user: str | None = None,
        text: str = "",
        thread_ts: str | None = None,
        bot_id: str | None = None,
        files: list[dict] | None = None,
        subtype: str | None = None,
        ts: str | None = None,
        **extra: Any,
    ) -> dict:
        """Store a message as Slack would and return (a copy of) it."""
        if ts is None:
            ts = self._new_ts()
        elif ts in self._channels.get(channel, {}):
            raise ValueError(f"a message with ts {ts} already exists in {channel}")
        else:
            self._claim_ts(ts)
        msg: dict[str, Any] = {"type": "message", "text": text, "ts": ts}
        if subtype:
            msg["subtype"] = subtype
        if user:
            msg["user"] = user
        if bot_id:
            msg["bot_id"] = bot_id
        if files:
            msg["files"] = copy.deepcopy(files)
            msg["upload"] = False
        msg["team"] = self.team_id
        msg.update(copy.deepcopy(extra))
        self._store(channel, msg, thread_ts)
        return copy.deepcopy(msg)

    def _store(self, channel: str, msg: dict, thread_ts: str | None) -> None:
        messages = self._channels.setdefault(channel, {})
        if thread_ts:
            # Replying to a reply attaches to that reply's thread, as in Slack.
            parent = messages.get(thread_ts)
            if parent is not None and parent.get("thread_ts") not in (None, thread_ts):
                thread_ts = parent["thread_ts"]
            msg["thread_ts"] = thread_ts
            root = messages.get(thread_ts)
            if root is not None and root.get("user"):
                msg["parent_user_id"] = root["user"]
        messages[msg["ts"]] = msg
        if thread_ts:
            self._recount(channel, thread_ts)
        self._notify()

    def _recount(self, channel: str, root_ts: str) -> None:
        """Refresh the thread summary fields that Slack keeps on the root message."""
        root = self._channels.get(channel, {}).get(root_ts)
        if root is None:
            return
        replies = [m for m in self._replies(channel, root_ts) if m["ts"] != root_ts]
        for key in ("reply_count", "reply_users", "reply_users_count", "latest_reply"):
            root.pop(key, None)
        if not replies:
            root.pop("thread_ts", None)
            return
        users = list(dict.fromkeys(m.get("user") or m.get("bot_id") for m in replies))
        root.update(
            thread_ts=root_ts,
            reply_count=len(replies),
            reply_users=users,
            reply_users_count=len(users),
            latest_reply=replies[-1]["ts"],
        )

    def _replies(self, channel: str, root_ts: str) -> list[dict]:
        messages = self._channels.get(channel, {})
        found = [
            m for m in messages.values() if m.get("thread_ts") == root_ts or m["ts"] == root_ts
        ]
        return sorted(found, key=lambda m: _ts_key(m["ts"]))

    def _thread_root(self, channel: str, ts: str) -> str | None:
        """Root ts of the thread containing `ts` (a root or a reply), None when unknown."""
        msg = self._channels.get(channel, {}).get(ts)
        if msg is not None:
            return msg.get("thread_ts") or ts
        if any(m.get("thread_ts") == ts for m in self._channels.get(channel, {}).values()):
            return ts  # replies stored under a root we never saw (lenient posting)
        return None

    def message(self, channel: str, ts: str) -> dict | None:
        msg = self._channels.get(channel, {}).get(ts)
        return copy.deepcopy(msg) if msg is not None else None

    def thread(self, channel: str, thread_ts: str) -> list[dict]:
        return copy.deepcopy(self._replies(channel, thread_ts))

    def count_bot_messages(self, where=lambda message: True) -> int:
        """How many bot messages satisfy `where` (no copies: cheap enough to poll)."""
        return sum(1 for messages in self._channels.values() for m in messages.values()
                   if m.get("bot_id") == self.bot_id and where(m))

    def bot_messages(self, channel: str | None = None) -> list[dict]:
        found = [
            m
            for ch, messages in self._channels.items()
            if channel in (None, ch)
            for m in messages.values()
            if m.get("bot_id") in self.bot_ids()
        ]
        return copy.deepcopy(sorted(found, key=lambda m: _ts_key(m["ts"])))

    def _rich_text_blocks(self, text: str) -> list[dict]:
        """The rich_text block Slack attaches to a typed message (mentions as user elements)."""
        elements: list[dict] = []
        pos = 0
        for match in _MENTION.finditer(text):
            if match.start() > pos:
                elements.append({"type": "text", "text": text[pos : match.start()]})
            elements.append({"type": "user", "user_id": match.group(1)})
            pos = match.end()
        if pos < len(text):
            elements.append({"type": "text", "text": text[pos:]})
        section = {"type": "rich_text_section", "elements": elements}
        return [{"type": "rich_text", "block_id": f"b{next(self._seq)}", "elements": [section]}]


class FilesMixin:
    """Hosted files, their private URLs and the download endpoint."""

    def add_file(
        self,
        content: bytes,
        *,
        name: str,
        mimetype: str,
        filetype: str | None = None,
        file_id: str | None = None,
        stub: bool = False,
    ) -> dict:
        file_id = file_id or f"F{next(self._seq):08d}"
        if filetype is None:
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else mimetype.split("/")[-1]
            filetype = "jpg" if ext == "jpeg" else ext
        now = int(time.time())
        base = f"{self.origin}/files-pri/{self.team_id}-{file_id}"
        full = {
            "id": file_id,
            "created": now,
            "timestamp": now,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": "U0UPLOADER",
            "editable": False,
            "size": len(content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": True,
            "url_private": f"{base}/{name}",
            "url_private_download": f"{base}/download/{name}",
            "permalink": f"{self.origin}/files/U0UPLOADER/{file_id}/{name}",
        }
        self._files[file_id] = (full, content)
        self._file_paths[f"/files-pri/{self.team_id}-{file_id}/{name}"] = file_id
        self._file_paths[f"/files-pri/{self.team_id}-{file_id}/download/{name}"] = file_id
        if stub:
            # What a Slack Connect event carries: only files.info reveals the real object.
            keys = ("id", "created", "timestamp")
            return {
                **{k: full[k] for k in keys},
                "mode": "file_access",
                "file_access": "check_file_info",
            }
        return copy.deepcopy(full)

    def add_redirect(self, path: str, location: str) -> str:
        self._redirects[path] = location
        return f"{self.origin}{path}"

    async def _handle_get(self, request: web.Request) -> web.StreamResponse:
        """Downloads of file URLs and configured redirects (every other GET path is a 404)."""
        at = self.clock()
        path = request.path
        if path in self._redirects:
            location = self._redirects[path]
            self._record("redirect", {"path": path}, None, at, 302, {"location": location}, request)
            raise web.HTTPFound(location)
        token = bearer(request)
        injected = await self._inject_faults("files.download")
        if injected is not None:
            status, body, headers = injected
            self._record("files.download", {"path": path}, token, at, status, body, request)
            return self._json(status, body, headers)
        file_id = self._file_paths.get(path)
        if file_id is None:
            status, ctype, data = 404, "text/html", b"<html><body>Not found</body></html>"
        elif token != self.bot_token or not self.files_scope:
            # Real Slack answers 200 with its sign-in page, not 401/403.
            status, ctype, data = 200, "text/html", SIGN_IN_PAGE.encode()
        else:
            full, data = self._files[file_id]
            status, ctype = 200, full["mimetype"]
        summary = {"bytes": len(data), "content_type": ctype}
        self._record("files.download", {"path": path}, token, at, status, summary, request)
        charset = "utf-8" if ctype == "text/html" else None
        return web.Response(status=status, body=data, content_type=ctype, charset=charset)


def _ts_key(ts: str) -> tuple[int, int]:
    sec, _, frac = ts.partition(".")
    return int(sec), int((frac + "000000")[:6])
