"""Claude failing before or during the stream: partial text kept, a plain notice
with the request id, never a stuck placeholder or a raw exception."""

import pytest

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, no_stuck_placeholders, notices_of

MENTION = "<@UBOT> tell me a story"
STORY = "Once upon a time there was a bot that streamed. " * 4


async def ask(slack, claude, make_bot, reply: Reply, **settings) -> dict:
    claude.enqueue(reply)
    await make_bot(**settings)
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [answer] = await answered(slack)
    assert no_stuck_placeholders(slack)
    return answer


def request_id(claude, index: int = -1) -> str:
    return claude.requests[index].request_id


@pytest.mark.parametrize("error_type, words", [
    ("overloaded_error", "Claude is overloaded right now"),
    ("api_error", "Claude had an internal error"),
    ("rate_limit_error", "rate limit"),
])
async def test_error_event_mid_stream_keeps_the_partial_text(slack, claude, make_bot,
                                                              error_type, words):
    answer = await ask(slack, claude, make_bot,
                       Reply(text=STORY, chunk_chars=10, error_after=60, error_type=error_type))
    assert body_of(answer) == STORY[:60]
    [notice] = notices_of(answer)
    assert notice.startswith(":warning: The answer stopped early: ")
    assert words in notice
    assert f"(request id `{request_id(claude)}`)" in notice
    assert "Error" not in notice and "Traceback" not in notice
    assert len(claude.requests) == 1  # a started stream is not retried


async def test_dropped_connection(slack, claude, make_bot):
    answer = await ask(slack, claude, make_bot, Reply(text=STORY, chunk_chars=10, drop_after=40))
    assert body_of(answer) == STORY[:40]
    [notice] = notices_of(answer)
    assert "the connection to Claude was lost" in notice
    assert request_id(claude) in notice


async def test_stalled_stream_times_out(slack, claude, make_bot):
    answer = await ask(slack, claude, make_bot, Reply(text=STORY, chunk_chars=10, stall_after=30),
                       CLAUDE_IDLE_TIMEOUT="0.3")
    assert body_of(answer) == STORY[:30]
    [notice] = notices_of(answer)
    assert "Claude sent nothing for 0.3 seconds (timed out)" in notice


async def test_pings_keep_a_slow_stream_alive(slack, claude, make_bot):
    answer = await ask(slack, claude, make_bot,
                       Reply(text="Slow but sure.", first_delay=0.6, ping_every=0.1),
                       CLAUDE_IDLE_TIMEOUT="0.3")
    assert body_of(answer) == "Slow but sure."
    assert notices_of(answer) == []


async def test_overloaded_before_the_stream_is_retried_by_the_sdk(slack, claude, make_bot):
    claude.enqueue(Reply(http_status=529, retry_after=0.01, times=2))
    answer = await ask(slack, claude, make_bot, Reply(text="Fine now."))
    assert body_of(answer) == "Fine now."
    assert [r.status for r in claude.requests] == [529, 529, 200]


async def test_overloaded_after_every_retry_says_so(slack, claude, make_bot):
    answer = await ask(slack, claude, make_bot, Reply(http_status=529, retry_after=0.01, times=3))
    assert body_of(answer) == ""
    [notice] = notices_of(answer)
    assert notice.startswith(":warning: No answer: Claude is overloaded right now")
    assert request_id(claude) in notice
    assert len(claude.requests) == 3


async def test_rate_limited_with_retry_after_then_answers(slack, claude, make_bot):
    claude.enqueue(Reply(http_status=429, retry_after=0.05))
    answer = await ask(slack, claude, make_bot, Reply(text="After the wait."))
    assert body_of(answer) == "After the wait."
    gap = claude.requests[1].at - claude.requests[0].at
    assert gap >= 0.05


@pytest.mark.parametrize("status", [529, 429])
async def test_a_long_retry_after_ends_at_the_first_event_deadline(slack, claude, make_bot,
                                                                    status):
    """The SDK would wait out Retry-After (any length) before retrying; the answer does not."""
    answer = await ask(slack, claude, make_bot,
                       Reply(http_status=status, retry_after=120, times=3),
                       CLAUDE_IDLE_TIMEOUT="1")
    [notice] = notices_of(answer)
    assert notice.startswith(":warning: No answer: Claude is busy or rate-limited right now; "
                             "please try again in a moment")
    assert len(claude.requests) == 1
    [placeholder] = slack.calls_to("chat.postMessage")
    assert slack.calls[-1].at - placeholder.at < 5


async def test_a_slow_first_event_within_the_deadline_still_answers(slack, claude, make_bot):
    claude.enqueue(Reply(http_status=529, retry_after=0.3))
    answer = await ask(slack, claude, make_bot, Reply(text="Here."), CLAUDE_IDLE_TIMEOUT="2")
    assert body_of(answer) == "Here." and notices_of(answer) == []


async def test_bad_request_is_explained_without_internals(slack, claude, make_bot):
    answer = await ask(slack, claude, make_bot,
                       Reply(http_status=400, error_message="messages: prompt is too long"))
    [notice] = notices_of(answer)
    assert "Claude rejected the request (bad request: messages: prompt is too long)" in notice
    assert len(claude.requests) == 1


async def test_api_key_revoked_after_start(slack, claude, make_bot):
    await make_bot()
    claude.api_key = "sk-ant-another-key"  # the bot's key was revoked while it ran
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [answer] = await answered(slack)
    [notice] = notices_of(answer)
    assert "API key was rejected" in notice and "ANTHROPIC_API_KEY" in notice
    assert claude.api_key not in str(answer)


async def test_model_retired_after_start(slack, claude, make_bot):
    claude.models["claude-nope"] = 1_000  # known when the bot starts, gone by the question
    answer = await ask(slack, claude, make_bot,
                       Reply(http_status=404, error_message="model: nope not found"),
                       CLAUDE_MODEL="claude-nope")
    [notice] = notices_of(answer)
    assert "the model `claude-nope` was not found; check CLAUDE_MODEL" in notice
