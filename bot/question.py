"""A person's message the bot answers: what answer.py and the rooms below it share."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot.policy.decide import AnswerSettings


@dataclass(frozen=True)
class Question:
    """A person's message the bot answers, and where the answer goes."""

    team: str  # the installation's workspace: whose budgets the answer uses
    channel: str
    thread_ts: str | None  # the conversation's root; None: a new top-level message (/claude)
    ts: str  # the message being answered ("" for /claude)
    user: str
    text: str
    files: tuple[dict, ...] = ()
    in_thread: bool = False  # earlier messages of the thread are part of the conversation
    slash: bool = False  # asked with /claude: the answer quotes the question
    response_url: str | None = None  # where to answer when the bot cannot post in the channel
    settings: AnswerSettings | None = None  # the policy's for this channel; None: the defaults
    received_at: float = field(default_factory=time.monotonic)
    user_team: str = ""  # the asker's own workspace (another one in a shared channel)
    # the asker is of another organisation, or the channel is shared with one: the company's
    # tools (Slack search, MCP servers) are not offered
    outsiders: bool = False
    action_token: str | None = None  # Slack's search token from the triggering event, if any

    @property
    def message(self) -> dict:
        """The question as a Slack message, for when the thread is not (or cannot be) read."""
        return {"type": "message", "user": self.user, "text": self.text, "ts": self.ts,
                "files": list(self.files)}
