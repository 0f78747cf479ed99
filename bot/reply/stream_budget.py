"""One workspace's budgets for native streaming. Slack limits each method per app per
workspace: chat.appendStream is Tier 4 (100+ a minute, docs.slack.dev/reference/methods/
chat.appendStream), chat.startStream and chat.stopStream Tier 2 (20+ a minute each,
api.slack.com/methods/chat.stopStream; java-slack-sdk MethodsRateLimits for startStream)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.reply.governor import WorkspaceGovernor

APPENDS_PER_MINUTE = 100
STREAM_CALLS_PER_MINUTE = 20


@dataclass(frozen=True)
class StreamBudgets:
    appends: WorkspaceGovernor
    starts: WorkspaceGovernor  # a stream starts only when one may go at once: no waiting
    stops: WorkspaceGovernor  # every stream is stopped, when its turn comes

    @classmethod
    def make(cls, governor: Callable[[int, str], WorkspaceGovernor],
             team: str) -> StreamBudgets:
        """The three budgets of `team`, from `governor(per_minute, key)`."""
        return cls(governor(APPENDS_PER_MINUTE, f"{team}:appends"),
                   governor(STREAM_CALLS_PER_MINUTE, f"{team}:starts"),
                   governor(STREAM_CALLS_PER_MINUTE, f"{team}:stops"))
