"""Every notice the bot adds to an answer, in plain words, and how to recognise one again when
the thread is read back (notices are never sent to Claude as content)."""

from __future__ import annotations

from bot.claude import ClaudeResult

# Each notice starts with one of these, and nothing Claude writes is put after one.
_EMOJI = (":warning:", ":no_entry_sign:", ":grey_question:", ":information_source:",
          ":hourglass:", ":paperclip:", ":black_square_for_stop:")

BOT_FAILURE = (":warning: Something went wrong on the bot's side, so this answer could not be "
               "finished. Please try again.")
INTERRUPTED = (":warning: Interrupted: the bot was restarting before this answer was finished. "
               "Please ask again.")
EARLIER_LEFT_OUT = (":information_source: Earlier messages of this thread were left out to fit "
                    "Claude's context.")


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
        notices.append(":no_entry_sign: Claude declined to answer this request.")
    elif result.stop_reason == "model_context_window_exceeded":
        notices.append(":warning: The conversation filled Claude's context window, so the "
                       "answer was cut short. Start a new thread to go on.")
    if result.failure:
        lead = "The answer stopped early" if answered else "No answer"
        rid = f" (request id `{result.request_id}`)" if result.request_id else ""
        notices.append(f":warning: {lead}: {result.failure}.{rid}")
    elif not answered and result.stop_reason not in ("refusal", "max_tokens"):
        notices.append(":grey_question: Claude returned an empty answer.")
    return notices
