"""What people do to existing messages and files in the Slack double, with the events Slack
sends for it: editing a message, deleting a file.

Mixed into SlackServer (bot/devserver/slack.py), which provides _channels, _files,
_file_paths, deleted_files, team_id, bot_user_id, _new_ts, _notify and send_event.
"""

from __future__ import annotations

import copy


class ChangesMixin:
    async def edit_message(self, channel: str, ts: str, text: str, *,
                           channel_type: str = "channel") -> list[str]:
        """A person edits their message. Slack sends `message_changed`, and when the new text
        mentions the bot it sends `app_mention` again, for the original ts, with an `edited`
        field, however long after the message was posted (the text need not have changed the
        mention). Returns the envelope ids."""
        msg = self._channels[channel][ts]
        previous = copy.deepcopy(msg)
        edited = {"user": msg.get("user"), "ts": self._new_ts()}
        msg.update(text=text, edited=edited)
        self._notify()
        changed = {"type": "message", "subtype": "message_changed", "channel": channel,
                   "hidden": True, "ts": edited["ts"], "event_ts": edited["ts"],
                   "message": copy.deepcopy(msg), "previous_message": previous,
                   "channel_type": channel_type}
        envelopes = [await self.send_event(changed)]
        if f"<@{self.bot_user_id}>" in text and channel_type != "im":
            mention = {key: copy.deepcopy(msg[key]) for key in
                       ("user", "text", "ts", "team", "thread_ts", "files", "edited")
                       if key in msg}
            envelopes.append(await self.send_event(
                {"type": "app_mention", **mention, "channel": channel,
                 "event_ts": edited["ts"]}))
        return envelopes

    async def delete_file(self, file_id: str) -> str:
        """A file is deleted: its URLs and files.info stop working, and Slack sends
        `file_deleted` (only the id) to apps with files:read."""
        self._files.pop(file_id, None)
        self.deleted_files.add(file_id)
        for path in [p for p, f in self._file_paths.items() if f == file_id]:
            del self._file_paths[path]
        self._notify()
        ts = self._new_ts()
        return await self.send_event({"type": "file_deleted", "file_id": file_id,
                                      "event_ts": ts})
