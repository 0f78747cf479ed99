"""Every notice the bot adds to an answer, in plain words, and how to recognise one again when
the thread is read back (notices are never sent to Claude as content)."""

from __future__ import annotations

from bot.claude import ClaudeResult
from bot.claude_loop import MAX_TOOL_ROUNDS
from bot.slack_text import escape

# Each notice starts with one of these, and nothing Claude writes is put after one.
_EMOJI = (":warning:", ":no_entry_sign:", ":grey_question:", ":information_source:",
          ":hourglass:", ":paperclip:", ":black_square_for_stop:")

BOT_FAILURE = (":warning: Something went wrong on the bot's side, so this answer could not be "
               "finished. Please try again.")
INTERRUPTED = (":warning: Interrupted: the bot was restarting before this answer was finished. "
               "Please ask again.")
# Also how a refused exchange is recognised in the thread later (it is never sent again).
REFUSED = ":no_entry_sign: Claude declined to answer this request."
EARLIER_LEFT_OUT = (":information_source: Earlier messages of this thread were left out to fit "
                    "Claude's context.")


def cannot_post(code: str, from_slack: bool) -> str:
    """Why a /claude answer goes to the asker alone: the real reason the post failed (`code`
    is Slack's error, or the kind of network failure when `from_slack` is False)."""
    alone = "so only you will see my answer."
    if code == "not_in_channel":
        return (f":information_source: I'm not in this channel, {alone} "
                "Invite me with `/invite @Claude` to answer here for everyone.")
    if code == "channel_not_found":
        return (f":information_source: I can't see this channel (it is private, or a "
                f"conversation I'm not part of), {alone} Invite me with `/invite @Claude` "
                "to answer here for everyone.")
    if code == "ratelimited":
        return (f":hourglass: Slack is rate-limiting my messages here right now, {alone}")
    if not from_slack:
        return f":warning: I couldn't reach Slack to post here (`{code}`), {alone}"
    return f":warning: Slack refused my message in this channel (`{code}`), {alone}"


def stopped_by(user: str) -> str:
    return f":black_square_for_stop: Stopped by <@{user}>."


def is_notice(paragraph: str) -> bool:
    return paragraph.lstrip().startswith(_EMOJI)


def stop_notices(result: ClaudeResult, max_tokens: int, answered: bool) -> list[str]:
    """What the stream's end means for the reader, beyond the text itself."""
    notices = []
    if result.stop_reason == "max_tokens":
        notices.append(f":warning: The answer was cut off at the output limit "
                       f"({max_tokens:,} tokens).")
    elif result.stop_reason == "refusal":
        why = escape((result.stop_explanation or "").strip()[:500])  # shown as Slack mrkdwn
        notices.append(REFUSED + (f" {why}" if why else ""))
    elif result.stop_reason == "pause_turn":  # still paused after every continuation
        notices.append(":warning: Claude's tools took too many steps, so the answer ends here. "
                       "Ask again to go on.")
    elif result.stop_reason == "tool_use":  # still asking for tools after every round
        notices.append(":warning: Claude kept asking for tools, so the answer ends here "
                       f"({MAX_TOOL_ROUNDS} tool rounds at most). Ask again to go on.")
    elif result.stop_reason == "model_context_window_exceeded":
        notices.append(":warning: The conversation filled Claude's context window, so the "
                       "answer was cut short. Start a new thread to go on.")
    if result.failure:
        lead = "The answer stopped early" if answered else "No answer"
        rid = f" (request id `{result.request_id}`)" if result.request_id else ""
        notices.append(f":warning: {lead}: {result.failure}.{rid}")
    elif not answered and result.stop_reason not in ("refusal", "max_tokens", "pause_turn",
                                                      "tool_use"):
        notices.append(":grey_question: Claude returned an empty answer.")
    return notices


def files_not_shared(missed: list[str]) -> str:
    """Files Claude made that could not be put in the thread, each with why."""
    return ":paperclip: I couldn't attach " + "; ".join(missed) + "."
