"""One ledger row: the numbers and ids of an answer or a refusal, never any text."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

OUTCOMES = ("answered", "stopped", "failed", "interrupted", "refused")
FEEDBACK = ("positive", "negative")


@dataclass(frozen=True)
class UsageRow:
    time: datetime  # aware, UTC; when the answer or refusal ended
    team: str
    channel: str
    thread_ts: str | None
    ts: str  # the question's ts (for /claude: the bot's message quoting it; "" if none)
    user: str
    model: str
    input_tokens: int = 0  # the API's own count, excluding cache writes and reads
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None  # None when the price is unknown
    outcome: str = "answered"
    reason: str | None = None  # why it was refused, e.g. "user_daily", "access"
    seconds: float = 0.0
    tool_calls: int = 0  # every tool call of the answer (searches, fetches, code runs…)

    def values(self) -> dict:
        """The row as column values, its time in UTC."""
        return {**asdict(self), "time": self.time.astimezone(UTC)}


def now() -> datetime:
    return datetime.now(UTC)
