"""Feedback on an answer: the 👍 / 👎 buttons under it, a click read back, and where it is
recorded.

Slack: a `context_actions` block holds up to 5 elements, `feedback_buttons` among them; a
feedback_buttons element has `positive_button` and `negative_button` (each `text`: plain_text
≤ 75 characters, `value` ≤ 2,000, optional `accessibility_label` ≤ 75) and an optional
`action_id` ≤ 255 (docs.slack.dev/reference/block-kit/blocks/context-actions-block,
docs.slack.dev/reference/block-kit/block-elements/feedback-buttons-element). A click arrives as
`block_actions` whose action carries the clicked button's `value`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.ledger import Ledger
    from bot.metrics import Metrics

ACTION_ID = "answer_feedback"
VALUES = ("positive", "negative")
FEEDBACK_CHARACTERS = 100  # what the buttons' texts and labels add to a message's blocks
THANKS = "Thanks for your feedback — it helps whoever runs this bot make it better."


@dataclass(frozen=True)
class Feedback:
    """One click on an answer's feedback buttons; the latest click of a person wins."""

    team: str
    channel: str
    answer_ts: str  # the answered message's ts (for /claude: the bot's message quoting it)
    message_ts: str  # the bot message that carries the buttons
    thread_ts: str | None
    user: str
    value: str  # "positive" | "negative"


def feedback_block(answer_ts: str) -> dict:
    """The buttons under an answer; each value names the answer it rates."""

    def button(value: str, emoji: str, label: str) -> dict:
        return {"text": {"type": "plain_text", "text": emoji, "emoji": True},
                "value": f"{value}:{answer_ts}", "accessibility_label": label}

    return {"type": "context_actions", "elements": [{
        "type": "feedback_buttons", "action_id": ACTION_ID,
        "positive_button": button("positive", "👍", "This answer was helpful"),
        "negative_button": button("negative", "👎", "This answer was not helpful")}]}


def read_value(value: str) -> tuple[str, str] | None:
    """(positive|negative, answer ts) from a clicked button's value; None if not one of ours."""
    kind, _, answer_ts = (value or "").partition(":")
    return (kind, answer_ts) if kind in VALUES else None


async def record_feedback(ledger: Ledger | None, metrics: Metrics, feedback: Feedback) -> None:
    """The click goes with its answer in the ledger (which counts it in the metrics)."""
    if ledger is not None:
        await ledger.set_feedback(feedback.team, feedback.channel, feedback.answer_ts,
                                  feedback.value)
    else:
        metrics.feedback(feedback.value)
