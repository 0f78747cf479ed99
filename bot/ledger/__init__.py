"""The usage ledger's row type (the ledger itself is built on another branch)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

OUTCOMES = ("answered", "stopped", "failed", "interrupted", "refused")


@dataclass(frozen=True)
class UsageRow:                      # numbers and ids only, never text
    time: datetime                   # aware, UTC; when the answer/refusal ended
    team: str                        # the installation's team
    channel: str
    thread_ts: str | None
    # the question's ts (for /claude: the bot's message quoting it; "" if none)
    ts: str
    user: str
    model: str
    input_tokens: int = 0            # the API's own count, excluding cache writes/reads
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None    # None when the price is unknown
    outcome: str = "answered"
    reason: str | None = None        # refusal reason, e.g. "user_daily", "access", "request_tokens"
    seconds: float = 0.0
