"""The agent session never stays `processing`: a stop with nothing in flight (after a crash)
sets it back to `active`, the final `active` rides out failures, titles are plain text, and
the status calls keep to Slack's Tier 3 budget however many answers a workspace gets."""

import time

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered
from tests.e2e.processes import RedisServer
from tests.e2e.test_http_mode import SECRET, free_port

SET_STATUS = "agents.sessions.setStatus"


async def test_a_stop_after_a_crash_sets_the_session_back_to_active(slack, claude, make_bot):
    await make_bot()
    root = slack.add_message("C1", user="U0ALICE", text="<@UBOT> a question")["ts"]
    # The process that was answering set `processing`, then died.
    web = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    await web.agents_sessions_setStatus(channel_id="C1", thread_ts=root, status="processing")
    pressed = time.monotonic()
    await slack.stop_session("C1", root, "U0ALICE")
    await slack.wait_for(lambda: slack.session_status("C1", root) == ["processing", "active"],
                         what="the session back to active")
    assert time.monotonic() - pressed < 2


async def test_with_several_instances_only_a_stop_nobody_answers_sets_active(slack, claude,
                                                                              make_bot,
                                                                              tmp_path):
    async with RedisServer(tmp_path) as redis:
        # One process answers over Socket Mode; Slack sends the stops to the other (HTTP).
        claude.default = Reply(text="Slowly. " * 200, chunk_chars=8, delay=0.02)
        bots = [await make_bot(REDIS_URL=redis.url)]
        port = free_port()
        bots.append(await make_bot(REDIS_URL=redis.url, SLACK_APP_TOKEN=None,
                                   SLACK_SIGNING_SECRET=SECRET, PORT=str(port)))
        elsewhere = (f"http://127.0.0.1:{port}/slack/events", SECRET)
        mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> go on")
        await slack.wait_for(lambda: slack.calls_to("chat.update"), what="some text shown")
        await slack.stop_session("C1", mention["ts"], "U0BOB", http=elsewhere)
        await answered(slack, "C1")
        for bot in bots:
            await bot.inflight.wait()
        # Only the process that ran the answer set it: the other heard it was still running.
        assert slack.session_status("C1", mention["ts"]) == ["processing", "active"]
        # Later, nobody runs anything there: the process Slack tells sets it.
        await slack.stop_session("C1", mention["ts"], "U0BOB", http=elsewhere)
        await slack.wait_for(lambda: slack.session_status("C1", mention["ts"]) == [
            "processing", "active", "active"], what="active again")


@pytest.mark.parametrize("fault", [
    {"status": 503, "error": "service_unavailable", "retry_after": None, "times": 2},
    # Dropped: aiohttp and slack_sdk retry a few of those by themselves.
    {"status": 0, "error": "", "retry_after": None, "times": 6},
])
async def test_the_final_active_rides_out_5xx_and_dropped_connections(slack, claude, make_bot,
                                                                       fault):
    claude.default = Reply(text="A few words, streamed. " * 10, chunk_chars=8, delay=0.02)
    await make_bot()
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> hello")
    await slack.wait_for(lambda: slack.calls_to(SET_STATUS), what="processing")
    slack.fail_next(SET_STATUS, **fault)
    await answered(slack)
    await slack.wait_for(lambda: slack.session_status("C1", mention["ts"]) == [
        "processing", "active"], timeout=10, what="active retried")
    assert [c.status for c in slack.calls_to(SET_STATUS)] == [
        200, *[fault["status"]] * fault["times"], 200]


async def test_session_titles_are_plain_text(slack, claude, make_bot):
    await make_bot()
    mention = await slack.user_message(
        "C1", "U0ALICE", "<@UBOT> <@U0CAROL> ask <@U0BOB|bob> in <#C0DEV|dev> &amp; "
                         "<https://example.com/x|the docs> about <!here>\nmore")
    await answered(slack)
    [processing, *_] = [c.params for c in slack.calls_to(SET_STATUS)]
    assert processing["thread_ts"] == mention["ts"]
    assert processing["title"] == ("ask @bob in #dev & the docs (https://example.com/x) "
                                   "about @here")


async def test_a_hundred_answers_in_a_minute_never_hit_the_status_limit(slack, claude,
                                                                         make_bot):
    claude.default = Reply(text="Short.")
    await make_bot(SLACK_UPDATES_PER_MINUTE="10000")
    asked = [(f"C{n:03d}", (await slack.user_message(f"C{n:03d}", "U0ALICE",
                                                     "<@UBOT> quick"))["ts"])
             for n in range(100)]
    await answered(slack, count=100)
    calls = slack.calls_to(SET_STATUS)
    assert calls and all(c.status == 200 for c in calls)  # Tier 3: 50 a minute
    for channel, ts in asked:  # every session that showed `processing` is `active` again
        await slack.wait_for(lambda c=channel, t=ts: slack.session_status(c, t)[-1:]
                             in ([], ["active"]), what="no session left processing")


async def test_in_native_mode_the_last_stop_stream_ends_the_session(slack, claude, make_bot):
    claude.default = Reply(text="Streamed natively. " * 5, chunk_chars=8, delay=0.02)
    await make_bot(SLACK_STREAMING="native")
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> hello")
    await answered(slack)
    await slack.wait_for(lambda: slack.session_status("C1", mention["ts"]) == [
        "processing", "active"], what="the session back to active")
    [stop] = slack.calls_to("chat.stopStream")
    assert stop.params["session_status"] == "active"
    assert [c.params["status"] for c in slack.calls_to(SET_STATUS)] == ["processing"]
