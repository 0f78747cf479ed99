"""The workspace as the page shows it (pure): messages with their files, which answer is still
being written (it gets a stop button), and what changed since the page last looked."""

from __future__ import annotations

import json
from urllib.parse import quote

from bot.notices import is_notice


def file_view(file: dict) -> dict:
    return {"id": file.get("id"), "name": file.get("name"), "mimetype": file.get("mimetype"),
            "size": file.get("size"),
            "url": f"/files/{quote(str(file.get('id')))}/{quote(str(file.get('name')))}"}


def message_view(channel: str, msg: dict, bot_id: str) -> dict:
    view = {"channel": channel, "ts": msg["ts"], "thread_ts": msg.get("thread_ts"),
            "user": msg.get("user"), "bot": msg.get("bot_id") == bot_id,
            "text": msg.get("text", ""), "blocks": msg.get("blocks") or [],
            "files": [file_view(f) for f in msg.get("files") or ()],
            "reply_count": msg.get("reply_count", 0), "streaming": bool(msg.get("streaming")),
            "working": False}
    return view


def still_working(view: dict) -> bool:
    """An answer is being written until it carries its footer or a final notice (or, streamed
    natively, until its stream is stopped)."""
    if view["streaming"]:
        return True
    if not view["bot"] or view["files"]:  # a file the bot shared is no answer in progress
        return False
    for block in view["blocks"]:
        # The footer names the model; tool progress lines and sources are context blocks too.
        elements = block.get("elements") or [{}] if block.get("type") == "context" else [{}]
        if block.get("type") == "context_actions" or str(
                elements[0].get("text", "")).startswith("`"):
            return False
        text = (block.get("text") or {}) if block.get("type") == "section" else {}
        if isinstance(text, dict) and is_notice(text.get("text", "")):
            return False
    return True


def workspace_view(channels: dict[str, dict[str, dict]], bot_id: str) -> dict[tuple, dict]:
    """Every message, keyed by (channel, ts); the newest bot message of each thread is marked
    `working` while its answer is being written."""
    views: dict[tuple, dict] = {}
    newest_bot: dict[tuple, dict] = {}
    for channel, messages in channels.items():
        for msg in messages.values():
            view = message_view(channel, msg, bot_id)
            views[(channel, view["ts"])] = view
            if view["bot"]:
                thread = (channel, view["thread_ts"] or view["ts"])
                if thread not in newest_bot or _key(view["ts"]) > _key(newest_bot[thread]["ts"]):
                    newest_bot[thread] = view
    for view in newest_bot.values():
        view["working"] = still_working(view)
    return views


class Changes:
    """What changed in the workspace since the last call: messages added or edited, deleted."""

    def __init__(self) -> None:
        self._shown: dict[tuple, str] = {}

    def since_last(self, views: dict[tuple, dict]) -> tuple[list[dict], list[dict]]:
        upserts = []
        for key, view in views.items():
            encoded = json.dumps(view, sort_keys=True)
            if self._shown.get(key) != encoded:
                self._shown[key] = encoded
                upserts.append(view)
        gone = [key for key in self._shown if key not in views]
        for key in gone:
            del self._shown[key]
        return upserts, [{"channel": c, "ts": ts} for c, ts in gone]


def _key(ts: str) -> tuple[int, int]:
    sec, _, frac = ts.partition(".")
    return int(sec), int((frac + "000000")[:6])
