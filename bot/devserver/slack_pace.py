"""Slack's per-channel posting pace and the AI thread status, for the Slack double.

- chat.postMessage: "generally allows posting one message per second per channel … Short bursts
  >1 allowed" (docs.slack.dev/apis/web-api/rate-limits, docs.slack.dev/reference/methods/
  chat.postMessage). Modelled as a bucket of `post_burst` posts per channel that refills at one
  a second; a post beyond it gets 429 + Retry-After (whole seconds, as slack_sdk reads them).
  Slack publishes no burst size, so tests can tighten it.
- chat.delete and conversations.replies are Tier 3 (50+ a minute per workspace,
  docs.slack.dev/reference/methods/chat.delete, …/conversations.replies);
  `deletes_per_minute` and `replies_per_minute` set them (slack_webapi's sliding window).
- assistant.threads.setStatus(channel_id, thread_ts, status, loading_messages ≤ 10): shows
  "<App> <status>" under a thread; an empty status clears it, and so does the app's next reply
  in the thread; it lapses after two minutes without one (docs.slack.dev/reference/methods/
  assistant.threads.setStatus). Accepts chat:write or assistant:write (changelog 2026-03-05:
  channel apps may use it in channels). Its "special" limit is not published: none is applied.

Mixed into SlackServer (bot/devserver/slack.py), which provides clock, post_burst, missing_scopes,
_thread_root and _notify."""

from __future__ import annotations

import math

from .slack_webapi import Answer, err, ok

STATUS_LAPSE = 120.0  # seconds a status stays without a reply
MAX_LOADING_MESSAGES = 10


class PaceMixin:
    def _init_pace(self) -> None:
        self._post_buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, at)
        # (channel, thread_ts) -> {"status", "loading_messages", "at"}: what Slack shows now
        self._thread_statuses: dict[tuple[str, str], dict] = {}

    # --- chat.postMessage: one a second per channel, short bursts ---

    def _take_post_slot(self, channel: str) -> Answer | None:
        if self.post_burst is None:
            return None
        now = self.clock()
        tokens, at = self._post_buckets.get(channel, (float(self.post_burst), now))
        tokens = min(float(self.post_burst), tokens + (now - at))
        if tokens < 1:
            wait = max(1, math.ceil(1 - tokens))
            return err("ratelimited", 429, {"Retry-After": str(wait)})
        self._post_buckets[channel] = (tokens - 1, now)
        return None

    # --- assistant.threads.setStatus ---

    def _api_assistant_threads_setStatus(self, params: dict) -> Answer:
        if "chat:write" in self.missing_scopes and "assistant:write" in self.missing_scopes:
            return 200, {"ok": False, "error": "missing_scope", "needed": "chat:write"}, {}
        channel, thread_ts, status = (params.get(k) for k in ("channel_id", "thread_ts",
                                                               "status"))
        if not channel or not thread_ts or status is None or not isinstance(status, str):
            return err("invalid_arguments")
        loading = params.get("loading_messages")
        if loading is not None and (not isinstance(loading, list)
                                    or len(loading) > MAX_LOADING_MESSAGES
                                    or not all(isinstance(m, str) for m in loading)):
            return err("invalid_arguments")
        if self._thread_root(channel, thread_ts) is None:
            return err("invalid_thread_ts")
        key = (channel, thread_ts)
        if status:
            self._thread_statuses[key] = {"status": status, "loading_messages": loading,
                                          "at": self.clock()}
        else:
            self._thread_statuses.pop(key, None)
        self._notify()
        return ok()

    def _replied(self, channel: str, thread_ts: str | None) -> None:
        """The app posted in a thread: Slack clears the thread's status."""
        if thread_ts and self._thread_statuses.pop((channel, thread_ts), None) is not None:
            self._notify()

    def thread_status(self, channel: str, thread_ts: str) -> str | None:
        """The status Slack shows under the thread now (None: none)."""
        shown = self._thread_statuses.get((channel, thread_ts))
        if shown is None or self.clock() - shown["at"] >= STATUS_LAPSE:
            return None
        return shown["status"]
