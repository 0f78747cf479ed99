"""Threads, DMs and follow-ups: who gets an answer, and what Claude is sent."""

import pytest

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of, notices_of

CH = "C0GENERAL"


def roles_and_texts(request) -> list[tuple[str, list[str]]]:
    return [(m["role"], [b["text"] for b in m["content"] if b["type"] == "text"])
            for m in request.body["messages"]]


async def settle(slack, bot) -> None:
    """Wait until every event sent was acked and every answer started has finished."""
    await slack.wait_for(lambda: set(slack.events_sent) <= set(slack.acks), what="acks")
    await bot.inflight.wait()


async def test_thread_with_two_speakers(slack, claude, make_bot):
    claude.enqueue(Reply(text="A monad is a monoid in the category of endofunctors."),
                   Reply(text="Bob has a point."))
    bot = await make_bot()
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> what is a monad?")
    await answered(slack, CH)
    await slack.user_message(CH, "U0BOB", "That explains nothing", thread_ts=root["ts"])
    await settle(slack, bot)
    assert len(claude.requests) == 1  # two people in the thread now: Bob needs a mention
    await slack.user_message(CH, "U0ALICE", "<@UBOT> fair?", thread_ts=root["ts"])
    await answered(slack, CH, count=2)
    assert roles_and_texts(claude.requests[1]) == [
        ("user", ["<@U0ALICE>: what is a monad?"]),
        ("assistant", ["A monad is a monoid in the category of endofunctors."]),
        ("user", ["<@U0BOB>: That explains nothing", "<@U0ALICE>: fair?"]),
    ]
    replies = slack.calls_to("conversations.replies")
    assert len(replies) == 1 and replies[0].params["ts"] == root["ts"]


async def test_lone_follow_up_needs_no_mention_until_someone_joins(slack, claude, make_bot):
    bot = await make_bot()
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> hello")
    await answered(slack, CH)
    await slack.user_message(CH, "U0ALICE", "and more?", thread_ts=root["ts"])
    await answered(slack, CH, count=2)
    assert len(claude.requests) == 2
    await slack.user_message(CH, "U0BOB", "hi all", thread_ts=root["ts"])
    await slack.user_message(CH, "U0ALICE", "still there?", thread_ts=root["ts"])
    await settle(slack, bot)
    assert len(claude.requests) == 2  # Bob joined: no answer without a mention
    await slack.user_message(CH, "U0ALICE", "<@UBOT> still there?", thread_ts=root["ts"])
    await answered(slack, CH, count=3)


async def test_dm_answers_in_a_thread_and_follows_up(slack, claude, make_bot):
    claude.enqueue(Reply(text="Paris."), Reply(text="About 2.1 million."))
    await make_bot()
    dm = await slack.user_message("D0ALICE", "U0ALICE", "capital of France?", channel_type="im")
    [first] = await answered(slack, "D0ALICE")
    assert first["thread_ts"] == dm["ts"] and body_of(first) == "Paris."
    await slack.user_message("D0ALICE", "U0ALICE", "population?", thread_ts=dm["ts"],
                             channel_type="im")
    await answered(slack, "D0ALICE", count=2)
    assert roles_and_texts(claude.requests[1]) == [
        ("user", ["<@U0ALICE>: capital of France?"]), ("assistant", ["Paris."]),
        ("user", ["<@U0ALICE>: population?"])]


async def test_ignored_events_make_no_calls(slack, claude, make_bot):
    bot = await make_bot()
    setup = len(slack.calls)
    thread = slack.add_message(CH, user="U0ALICE", text="a thread the bot is not in")
    events = [
        {"type": "message", "channel": CH, "user": "U0ALICE", "text": "no mention",
         "ts": "1764000001.000001", "channel_type": "channel"},
        {"type": "message", "channel": CH, "user": "U0ALICE", "text": "not our thread",
         "ts": "1764000001.000002", "thread_ts": thread["ts"], "channel_type": "channel"},
        {"type": "message", "subtype": "message_changed", "channel": CH, "ts": "1764000001.3",
         "message": {"user": "U0ALICE", "text": "<@UBOT> edited"}, "channel_type": "channel"},
        {"type": "message", "subtype": "message_deleted", "channel": CH, "ts": "1764000001.4",
         "deleted_ts": thread["ts"], "channel_type": "channel"},
        {"type": "message", "subtype": "channel_join", "channel": CH, "user": "U0NEW",
         "text": "<@U0NEW> has joined", "ts": "1764000001.5", "channel_type": "channel"},
        {"type": "message", "subtype": "bot_message", "channel": CH, "bot_id": "B0OTHER",
         "text": "<@UBOT> beep", "ts": "1764000001.6", "channel_type": "channel"},
        {"type": "message", "channel": CH, "user": "U0OTHERBOT", "bot_id": "B0OTHER",
         "text": "<@UBOT> beep", "ts": "1764000001.7", "channel_type": "channel"},
        {"type": "app_mention", "channel": CH, "user": "U0OTHERBOT", "bot_id": "B0OTHER",
         "text": "<@UBOT> beep", "ts": "1764000001.8"},
        {"type": "message", "channel": "D0ALICE", "user": "UBOT", "bot_id": "BBOT",
         "text": "my own DM reply", "ts": "1764000001.9", "channel_type": "im"},
        {"type": "app_mention", "channel": CH, "text": "<@UBOT> malformed: no user or ts"},
        {"type": "message", "channel_type": "im"},
    ]
    for event in events:
        await slack.send_event(event)
    await settle(slack, bot)
    assert slack.calls[setup:] == []
    assert claude.requests == []


async def test_each_kind_of_duplicate_gets_one_answer(slack, claude, make_bot):
    bot = await make_bot()
    mention = await slack.user_message(CH, "U0ALICE", "<@UBOT> once please")  # twin events
    await answered(slack, CH)
    event = {"type": "app_mention", "channel": CH, "user": "U0ALICE", "ts": mention["ts"],
             "text": mention["text"]}
    await slack.send_event(event, retry_attempt=1, retry_reason="timeout")  # a retry
    await slack.send_event(event, event_id="Ev0SAME")
    await slack.send_event(event, event_id="Ev0SAME")  # a repeated event_id
    await settle(slack, bot)
    assert len(claude.requests) == 1
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_a_retry_of_an_event_never_seen_is_still_answered(slack, claude, make_bot):
    await make_bot()
    await slack.user_message(CH, "U0ALICE", "<@UBOT> are you there?", retry_attempt=2)
    await answered(slack, CH)
    assert len(claude.requests) == 1


async def test_long_thread_is_trimmed_oldest_first(slack, claude, make_bot):
    bot = await make_bot(CLAUDE_MODEL="claude-haiku-4-5", CLAUDE_MAX_TOKENS="1000")
    root = slack.add_message(CH, user="U0ALICE", text="The first question. " + "a" * 50_000)
    for n in range(20):
        slack.add_message(CH, user="U0BOB", text=f"Message {n}. " + "b" * 50_000,
                          thread_ts=root["ts"])
    await slack.user_message(CH, "U0ALICE", "<@UBOT> sum it up", thread_ts=root["ts"])
    [reply] = await answered(slack, CH)
    await bot.inflight.wait()
    sent = roles_and_texts(claude.requests[0])
    assert sent[0][1][0].startswith("<@U0ALICE>: The first question.")
    assert "left out" in sent[0][1][1]
    assert sent[-1][1][-1] == "<@U0ALICE>: sum it up"
    assert not any("Message 0." in t for _, texts in sent for t in texts)
    assert any("Message 19." in t for _, texts in sent for t in texts)
    assert len(str(claude.requests[0].body)) < 200_000 * 3
    assert any("left out" in n for n in notices_of(reply))


async def test_history_unreadable_answers_the_message_alone(slack, claude, make_bot):
    await make_bot()
    root = slack.add_message(CH, user="U0ALICE", text="earlier")
    slack.fail_next("conversations.replies", status=200, error="missing_scope",
                    retry_after=None)
    await slack.user_message(CH, "U0ALICE", "<@UBOT> go", thread_ts=root["ts"])
    [reply] = await answered(slack, CH)
    assert roles_and_texts(claude.requests[0]) == [("user", ["<@U0ALICE>: go"])]
    assert any("couldn't read the earlier messages" in n for n in notices_of(reply))


@pytest.mark.parametrize("fault", [
    {"status": 429, "error": "ratelimited", "retry_after": 2, "times": 2},
    {"status": 503, "error": "service_unavailable", "retry_after": None, "times": 2},
    # The connection drops; aiohttp and slack_sdk retry a few of those by themselves.
    {"status": 0, "error": "", "retry_after": None, "times": 6},
])
async def test_a_passing_failure_reading_the_thread_is_waited_out(slack, claude, make_bot,
                                                                  fault):
    await make_bot()
    root = slack.add_message(CH, user="U0ALICE", text="earlier")
    slack.fail_next("conversations.replies", **fault)
    await slack.user_message(CH, "U0ALICE", "<@UBOT> go", thread_ts=root["ts"])
    [reply] = await answered(slack, CH)
    assert roles_and_texts(claude.requests[0]) == [("user", ["<@U0ALICE>: earlier",
                                                             "<@U0ALICE>: go"])]
    assert notices_of(reply) == []
    calls = slack.calls_to("conversations.replies")
    assert [c.status for c in calls][-1] == 200
    if fault["retry_after"]:  # as long as Slack asked
        assert calls[-1].at - calls[-2].at >= fault["retry_after"]


async def test_a_rate_limit_longer_than_ten_seconds_answers_without_the_thread(slack, claude,
                                                                              make_bot):
    await make_bot()
    root = slack.add_message(CH, user="U0ALICE", text="earlier")
    slack.fail_next("conversations.replies", retry_after=30)
    asked = await slack.user_message(CH, "U0ALICE", "<@UBOT> go", thread_ts=root["ts"])
    [reply] = await answered(slack, CH)
    assert roles_and_texts(claude.requests[0]) == [("user", ["<@U0ALICE>: go"])]
    assert any("couldn't read the earlier messages" in n for n in notices_of(reply))
    assert slack.calls[-1].at - slack.events_sent[asked["_envelopes"][0]] < 10


async def test_prompt_caching_is_requested_and_reads_show(slack, claude, make_bot):
    claude.default = Reply(text="ok", cache_read=9_000, input_tokens=50)
    await make_bot()
    await slack.user_message(CH, "U0ALICE", "<@UBOT> hi")
    [reply] = await answered(slack, CH)
    assert claude.requests[0].body["cache_control"] == {"type": "ephemeral"}
    assert "9,000 cache read" in footer_of(reply)
