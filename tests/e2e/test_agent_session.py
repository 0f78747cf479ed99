"""Slack's agent surface around an answer: the session status (processing → active, whatever
the outcome, never in the answer's way) and the stop button, in edit and native mode."""

import time

import pytest

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of, ledger_rows, notices_of
from tests.e2e.processes import RedisServer
from tests.e2e.test_http_mode import SECRET, free_port

TEXT = "A long and careful answer, streamed slowly so that it can be stopped. " * 30
SLOW = Reply(text=TEXT, chunk_chars=8, delay=0.02, input_tokens=40)
NATIVE = {"SLACK_STREAMING": "native"}


def statuses(slack, channel, thread_ts):
    return [c.params for c in slack.calls_to("agents.sessions.setStatus")
            if c.params.get("channel_id") == channel and c.params.get("thread_ts") == thread_ts]


def has_feedback(message) -> bool:
    return any(b["type"] == "context_actions" for b in message.get("blocks") or ())


async def test_status_is_processing_with_a_title_then_active(slack, claude, make_bot):
    await make_bot()
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> What is 2+2?\nShow working.")
    [reply] = await answered(slack)
    await slack.wait_for(lambda: slack.session_status("C1", mention["ts"])[-1:] == ["active"],
                         what="the session back to active")
    processing, active = statuses(slack, "C1", mention["ts"])
    assert processing == {"channel_id": "C1", "thread_ts": mention["ts"],
                          "status": "processing", "title": "What is 2+2?",
                          "initiator_user_id": "U0ALICE"}
    assert active == {"channel_id": "C1", "thread_ts": mention["ts"], "status": "active"}
    [last_edit] = [c for c in slack.calls_to("chat.update") if footer_of(c.params)][-1:]
    [active_call] = slack.calls_to("agents.sessions.setStatus")[-1:]
    assert active_call.at >= last_edit.at  # active once the answer is delivered
    assert has_feedback(reply)


async def test_a_failed_answer_also_goes_back_to_active(slack, claude, make_bot):
    claude.default = Reply(text=TEXT, chunk_chars=10, error_after=50, error_type="api_error")
    await make_bot()
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> fail please")
    await slack.wait_for(lambda: slack.session_status("C1", mention["ts"]) == [
        "processing", "active"], what="processing then active")
    [reply] = slack.bot_messages("C1")
    assert any("stopped early" in n for n in notices_of(reply))
    assert not has_feedback(reply)  # only answered answers are rated


async def test_a_slow_status_call_never_delays_the_placeholder(slack, claude, make_bot):
    await make_bot()
    slack.delay_next("agents.sessions.setStatus", 1.5, times=2)
    started = time.monotonic()
    await slack.user_message("C1", "U0ALICE", "<@UBOT> quick")
    await slack.wait_for(lambda: slack.calls_to("chat.postMessage"), what="the placeholder")
    assert time.monotonic() - started < 1.0
    [reply] = await answered(slack)
    assert body_of(reply) == "Hello from the test Claude."


@pytest.mark.parametrize("failure", [
    {"status": 200, "error": "missing_scope", "retry_after": None},
    {"status": 429, "error": "ratelimited", "retry_after": 90},  # too long to wait for
])
async def test_status_failures_never_affect_the_answer(slack, claude, make_bot, failure):
    await make_bot()
    slack.fail_next("agents.sessions.setStatus", times=2, **failure)
    await slack.user_message("C1", "U0ALICE", "<@UBOT> hello")
    [reply] = await answered(slack)
    assert body_of(reply) == "Hello from the test Claude." and has_feedback(reply)
    await slack.wait_for(lambda: len(slack.calls_to("agents.sessions.setStatus")) == 2,
                         what="both status calls")


async def test_the_final_active_is_retried_after_a_429(slack, claude, make_bot):
    claude.default = Reply(text="A few words, streamed. " * 10, chunk_chars=8, delay=0.02)
    await make_bot()
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> hello")
    await slack.wait_for(lambda: slack.calls_to("agents.sessions.setStatus"), what="processing")
    slack.fail_next("agents.sessions.setStatus", status=429, retry_after=1)  # Tier 3 reached
    await answered(slack)
    await slack.wait_for(lambda: slack.session_status("C1", mention["ts"]) == [
        "processing", "active"], what="active retried")
    assert [c.status for c in slack.calls_to("agents.sessions.setStatus")] == [200, 429, 200]


async def stop_mid_answer(slack, claude, make_bot, **env):
    """Ask, wait until part of the answer shows, press stop; (mention, stop time, request id)."""
    claude.default = SLOW
    bot = await make_bot(**env)
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> tell me everything")
    await claude.wait_for(lambda: sum(claude.text_sent.values()) > 200, what="some text")
    shown = "chat.appendStream" if env else "chat.update"
    await slack.wait_for(lambda: slack.calls_to(shown), what="some text shown")
    [request] = claude.requests
    pressed = time.monotonic()
    await slack.stop_session("C1", mention["ts"], "U0BOB")
    return mention, pressed, request.request_id, bot


async def assert_stopped(slack, claude, mention, pressed, rid):
    # The Claude stream is closed within 1 s and nothing more is generated for it.
    await claude.wait_for(lambda: rid in claude.disconnects, timeout=1, what="disconnect")
    [reply] = await answered(slack, "C1")
    assert time.monotonic() - pressed < 2  # the notice and footer are up within 2 s
    assert "Stopped by <@U0BOB>." in notices_of(reply)[-1]
    sent = claude.disconnects[rid]
    assert 0 < sent < len(TEXT) and claude.text_sent[rid] == sent
    text = body_of(reply)
    assert text and TEXT.startswith(text.rstrip("\n"))  # the text so far stays
    assert footer_of(reply).startswith("`claude-sonnet-5-5` · 40 in")
    assert not has_feedback(reply)
    await slack.wait_for(lambda: slack.session_status("C1", mention["ts"]) == [
        "processing", "active"], what="the session back to active")
    return reply


async def test_stop_in_edit_mode(slack, claude, make_bot):
    mention, pressed, rid, bot = await stop_mid_answer(slack, claude, make_bot)
    await assert_stopped(slack, claude, mention, pressed, rid)
    await bot.inflight.wait()
    [row] = await ledger_rows(bot)  # the usage reported before the stop
    assert (row.outcome, row.ts, row.input_tokens, row.feedback) == (
        "stopped", mention["ts"], 40, None)


async def test_stop_in_native_mode_is_finished_with_an_edit(slack, claude, make_bot):
    mention, pressed, rid, _bot = await stop_mid_answer(slack, claude, make_bot, **NATIVE)
    stopped_at = time.monotonic()
    reply = await assert_stopped(slack, claude, mention, pressed, rid)
    assert reply["stopped_by"] == "U0BOB"
    # Not resumed or appended to: whatever reached Slack after the stop was refused, and the
    # notice and footer came with chat.update.
    late = [c for c in slack.calls if c.method in ("chat.appendStream", "chat.stopStream")
            and c.at > stopped_at]
    assert all(c.response.get("error") == "message_not_in_streaming_state" for c in late)
    assert not any(c.method == "chat.stopStream" and c.response["ok"] for c in slack.calls)
    assert footer_of(slack.calls_to("chat.update")[-1].params)


async def test_duplicate_late_and_idle_stops_are_harmless(slack, claude, make_bot):
    mention, pressed, rid, _bot = await stop_mid_answer(slack, claude, make_bot)
    await slack.stop_session("C1", mention["ts"], "U0CAROL")  # pressed again
    reply = await assert_stopped(slack, claude, mention, pressed, rid)
    await slack.stop_session("C1", mention["ts"], "U0CAROL")  # after it ended
    await slack.stop_session("C2", "1764000000.000001", "U0CAROL")  # nothing in flight there
    claude.default = Reply()
    await slack.user_message("C3", "U0ALICE", "<@UBOT> still fine?")
    [after] = await answered(slack, "C3")
    assert body_of(after) == "Hello from the test Claude." and has_feedback(after)
    assert slack.message("C1", reply["ts"]) == reply  # the stopped answer is left as it is
    assert sum("Stopped by" in n for n in notices_of(reply)) == 1


async def test_a_stop_racing_the_final_edit_leaves_the_answer_whole(slack, claude, make_bot):
    bot = await make_bot()
    slack.delay_next("chat.update", 0.3, times=100)  # the final edit is in flight for a while
    claude.default = Reply(text="Short and complete.", chunk_chars=4, delay=0.01)
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> quick one")
    await claude.wait_for(lambda: claude.stream_events, what="Claude done")
    key = ("C1", mention["ts"])
    await slack.wait_for(lambda: all(r.ended for r in bot.deps.runs._by_thread.get(key, ())),
                         what="the answer delivering")
    await slack.stop_session("C1", mention["ts"], "U0BOB")
    [reply] = await answered(slack, "C1")
    assert body_of(reply) == "Short and complete." and has_feedback(reply)
    assert not any("Stopped" in n for n in notices_of(reply))


async def test_a_stop_sent_to_another_instance_stops_the_answer(slack, claude, make_bot,
                                                                tmp_path):
    async with RedisServer(tmp_path) as redis:
        # One process answers over Socket Mode; Slack sends the stop to the other (HTTP mode).
        mention, pressed, rid = await stop_mid_answer_elsewhere(slack, claude, make_bot, redis)
        await assert_stopped(slack, claude, mention, pressed, rid)


async def stop_mid_answer_elsewhere(slack, claude, make_bot, redis):
    claude.default = SLOW
    answering = await make_bot(REDIS_URL=redis.url)
    port = free_port()
    await make_bot(REDIS_URL=redis.url, SLACK_APP_TOKEN=None, SLACK_SIGNING_SECRET=SECRET,
                   PORT=str(port))
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> tell me everything")
    await slack.wait_for(lambda: slack.calls_to("chat.update"), what="some text shown")
    assert answering.deps.runs._by_thread  # the answer runs in the Socket Mode process
    [request] = claude.requests
    pressed = time.monotonic()
    status = await slack.stop_session("C1", mention["ts"], "U0BOB",
                                      http=(f"http://127.0.0.1:{port}/slack/events", SECRET))
    assert status == 200
    return mention, pressed, request.request_id


async def test_a_stop_pressed_before_the_placeholder_is_up_takes_effect_once_it_is(
        slack, claude, make_bot):
    claude.default = SLOW
    bot = await make_bot()
    slack.delay_next("chat.postMessage", 0.5)
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> never mind")
    await slack.wait_for(lambda: bot.deps.runs.busy("C1", mention["ts"]), what="the answer")
    assert not slack.calls_to("chat.postMessage")  # its placeholder is not up yet
    await slack.stop_session("C1", mention["ts"], "U0BOB")
    [reply] = await answered(slack, "C1")
    assert notices_of(reply)[-1].endswith("Stopped by <@U0BOB>.")
    assert not has_feedback(reply) and sum(claude.text_sent.values()) == 0
    await slack.wait_for(lambda: slack.session_status("C1", mention["ts"]) == [
        "processing", "active"], what="the session back to active")


async def test_a_claude_command_answer_is_its_own_session_and_can_be_stopped(
        slack, claude, make_bot):
    claude.default = SLOW
    await make_bot()
    await slack.send_slash_command(text="tell me everything", channel_id="C1")
    await slack.wait_for(lambda: slack.calls_to("chat.update"), what="some text shown")
    [message] = slack.bot_messages("C1")  # the answer, quoting the question, starts the thread
    [processing] = statuses(slack, "C1", message["ts"])
    assert (processing["status"], processing["title"]) == ("processing", "tell me everything")
    await slack.stop_session("C1", message["ts"], "U0BOB")
    [reply] = await answered(slack, "C1")
    assert notices_of(reply)[-1] == ":black_square_for_stop: Stopped by <@U0BOB>."
    await slack.wait_for(lambda: slack.session_status("C1", message["ts"]) == [
        "processing", "active"], what="the session back to active")


async def test_active_waits_for_the_last_answer_in_the_thread(slack, claude, make_bot):
    claude.enqueue(Reply(text="Quick."), Reply(text=TEXT, chunk_chars=40, delay=0.02))
    await make_bot()
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> first")
    await slack.user_message("C1", "U0ALICE", "<@UBOT> second", thread_ts=mention["ts"])
    await answered(slack, "C1", count=2)
    await slack.wait_for(lambda: slack.session_status("C1", mention["ts"])[-1:] == ["active"],
                         what="active")
    [*_, last] = slack.calls_to("agents.sessions.setStatus")
    assert last.at >= max(c.at for c in slack.calls_to("chat.update"))
    assert slack.session_status("C1", mention["ts"]) == ["processing", "processing", "active"]
