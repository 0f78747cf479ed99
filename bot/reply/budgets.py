"""One workspace's Slack budgets beyond chat.update: chat.delete, conversations.replies and
agents.sessions.setStatus (Tier 3 each, 50+ a minute per app per workspace:
docs.slack.dev/reference/methods/chat.delete, docs.slack.dev/reference/methods/
conversations.replies; slack-morphism's rate config for setStatus), the per-channel posting
pace, and the placeholders waiting to be deleted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.reply.cleanup import Cleanup
from bot.reply.governor import WorkspaceGovernor
from bot.reply.pace import ChannelPace

TIER_3_PER_MINUTE = 50


@dataclass(frozen=True)
class WorkspaceBudgets:
    deletes: WorkspaceGovernor
    reads: WorkspaceGovernor  # conversations.replies
    sessions: WorkspaceGovernor  # agents.sessions.setStatus
    pace: ChannelPace  # chat.postMessage, per channel
    cleanup: Cleanup

    @classmethod
    def make(cls, governor: Callable[[int, str], WorkspaceGovernor],
             team: str) -> WorkspaceBudgets:
        """The budgets of `team`, from `governor(per_minute, key)`."""
        deletes = governor(TIER_3_PER_MINUTE, f"{team}:deletes")
        return cls(deletes, governor(TIER_3_PER_MINUTE, f"{team}:reads"),
                   governor(TIER_3_PER_MINUTE, f"{team}:sessions"), ChannelPace(),
                   Cleanup(deletes))
