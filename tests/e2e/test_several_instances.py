"""Two bot processes sharing one Redis: exactly one answer per message, and one edit
budget per workspace across both."""

import pytest

from bench.conversations import max_in_window
from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, footer_of
from tests.e2e.processes import RedisServer, start_bot_process, stop_bot


async def two_bots(slack, claude, tmp_path, redis, **settings):
    bots = []
    for n in range(2):
        (tmp_path / f"bot{n}").mkdir()
        bots.append(await start_bot_process(slack, claude, tmp_path / f"bot{n}",
                                            REDIS_URL=redis.url, **settings))
    await slack.wait_connected(2, timeout=30)
    return bots


async def test_the_same_message_delivered_to_both_gets_one_answer(slack, claude, tmp_path):
    async with RedisServer(tmp_path) as redis:
        bots = await two_bots(slack, claude, tmp_path, redis)
        try:
            # Round robin: the app_mention goes to one process, its message twin to the other,
            # then a retry of each to the other one again.
            message = await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> once!")
            await answered(slack)
            event = {"type": "app_mention", "channel": "C0GENERAL", "user": "U0ALICE",
                     "ts": message["ts"], "text": message["text"]}
            for attempt in (1, 2):
                await slack.send_event(event, retry_attempt=attempt, retry_reason="timeout")
            await slack.wait_for(lambda: len(slack.acks) >= 4, what="all four acks")
            # A follow-up in the thread, landing on whichever process, needs no mention.
            await slack.user_message("C0GENERAL", "U0ALICE", "and twice?",
                                     thread_ts=message["ts"])
            await answered(slack, count=2)
        finally:
            logs = [await stop_bot(bot) for bot in bots]
    assert len(claude.requests) == 2, logs
    assert len(slack.calls_to("chat.postMessage")) == 2


@pytest.mark.parametrize("slack", [{"updates_per_minute": 12}], indirect=True)
async def test_the_edit_budget_holds_across_both(slack, claude, tmp_path):
    claude.default = Reply(text="Streaming along nicely. " * 12, chunk_chars=6, delay=0.03)
    async with RedisServer(tmp_path) as redis:
        bots = await two_bots(slack, claude, tmp_path, redis, SLACK_UPDATES_PER_MINUTE="12",
                              SLACK_UPDATE_INTERVAL="0.5")
        try:
            for n in range(8):
                await slack.user_message(f"C{n}", "U0ALICE", f"<@UBOT> q{n}",
                                         events=("app_mention",))
            await answered(slack, count=8)
        finally:
            logs = [await stop_bot(bot) for bot in bots]
    updates = slack.calls_to("chat.update")
    assert [u for u in updates if u.status == 429] == [], logs
    assert max_in_window([u.at for u in updates]) <= 12
    assert all(footer_of(m) for m in slack.bot_messages())
