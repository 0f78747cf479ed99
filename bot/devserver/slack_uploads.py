"""Slack's external file upload for the Slack double, as slack_sdk's files_upload_v2 drives it:
files.getUploadURLExternal (filename, length) → POST the bytes to the returned upload_url →
files.completeUploadExternal (files=[{id, title}], channel_id, thread_ts) shares the file in the
thread as a message of the bot. Both methods need the bot scope `files:write`
(docs.slack.dev/reference/methods/files.getUploadURLExternal, files.completeUploadExternal);
without it they answer `missing_scope`. A file completed before its bytes were uploaded, or an
unknown id, answers `file_not_found`; a length that does not match the bytes, `invalid_arguments`.

Mixed into SlackServer (bot/devserver/slack.py), which provides add_file, add_message, origin,
missing_scopes, _record, clock and _notify."""

from __future__ import annotations

import json

from aiohttp import web

from .slack_webapi import Answer, err, ok

MAX_UPLOAD_BYTES = 1024 * 1024 * 1024  # Slack's 1 GB per file


class UploadsMixin:
    def _init_uploads(self) -> None:
        self._pending_uploads: dict[str, dict] = {}  # file id -> filename, length, data
        self.uploaded: list[dict] = []  # shared files: the file object, channel, thread_ts

    def _no_write_scope(self) -> Answer | None:
        if "files:write" in self.missing_scopes:
            return 200, {"ok": False, "error": "missing_scope", "needed": "files:write"}, {}
        return None

    def _api_files_getUploadURLExternal(self, params: dict) -> Answer:
        if refused := self._no_write_scope():
            return refused
        filename, length = params.get("filename"), str(params.get("length") or "")
        if not filename or not length.isdigit() or not 0 < int(length) <= MAX_UPLOAD_BYTES:
            return err("invalid_arguments")
        file_id = f"F{next(self._seq):08d}"
        self._pending_uploads[file_id] = {"filename": filename, "length": int(length),
                                          "data": None}
        return ok(upload_url=f"{self.origin}/upload/v1/{file_id}", file_id=file_id)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        at = self.clock()
        file_id = request.match_info["file_id"]
        data = await request.read()
        pending = self._pending_uploads.get(file_id)
        if pending is None:
            status, text = 404, "not found"
        else:
            pending["data"] = data
            status, text = 200, f"OK - {len(data)}"
        self._record("files.upload", {"file_id": file_id}, None, at, status,
                     {"bytes": len(data)}, request)
        return web.Response(status=status, text=text)

    def _api_files_completeUploadExternal(self, params: dict) -> Answer:
        if refused := self._no_write_scope():
            return refused
        try:
            files = json.loads(params.get("files") or "")
        except ValueError:
            return err("invalid_arguments")
        if not isinstance(files, list) or not files:
            return err("invalid_arguments")
        channel = params.get("channel_id")
        if channel and (refused := self._cannot_post({"channel": channel})):
            return refused
        shared = []
        for entry in files:
            pending = self._pending_uploads.get((entry or {}).get("id"))
            if pending is None or pending["data"] is None:
                return err("file_not_found")
            if len(pending["data"]) != pending["length"]:
                return err("invalid_arguments")
        for entry in files:
            pending = self._pending_uploads.pop(entry["id"])
            name = pending["filename"]
            mime = _mimetype(name)
            full = self.add_file(pending["data"], name=name, mimetype=mime, file_id=entry["id"])
            full["title"] = entry.get("title") or name
            full["user"] = self.bot_user_id
            shared.append(full)
        if channel:
            self.add_message(channel, user=self.bot_user_id, bot_id=self.bot_id,
                             text=params.get("initial_comment") or "", files=shared,
                             thread_ts=params.get("thread_ts"))
            self.uploaded += [{"file": f, "channel": channel,
                               "thread_ts": params.get("thread_ts")} for f in shared]
            self._notify()
        return ok(files=[{"id": f["id"], "title": f["title"]} for f in shared])


_MIME = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
         "pdf": "application/pdf", "csv": "text/csv", "txt": "text/plain",
         "json": "application/json", "html": "text/html"}


def _mimetype(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _MIME.get(ext, "application/octet-stream")
