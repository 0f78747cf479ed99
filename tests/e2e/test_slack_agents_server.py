"""The Slack double's agent surface, exercised with the real slack_sdk clients: it refuses what
Slack refuses (setStatus arguments, scopes and rate, malformed feedback blocks, appends to a
stream the person stopped) and delivers stops and clicks over Socket Mode and signed HTTP."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from aiohttp import web as aioweb
from slack_sdk.errors import SlackApiError

from bot.devserver.slack_agents import signature
from bot.feedback import feedback_block
from tests.e2e.test_slack_server import socket_client

SECRET = "agents-secret"


async def refused(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value.response["error"]


async def test_set_status_creates_a_session_then_only_changes_its_status(slack, web):
    root = slack.add_message("C1", user="U0ALICE", text="hi")["ts"]
    await web.agents_sessions_setStatus(channel_id="C1", thread_ts=root, status="processing",
                                        title="First title", initiator_user_id="U0ALICE")
    await web.agents_sessions_setStatus(channel_id="C1", thread_ts=root, status="active",
                                        title="Ignored: the session exists")
    assert slack.session_status("C1", root) == ["processing", "active"]
    assert slack.sessions[("C1", root)]["title"] == "First title"
    assert slack.sessions[("C1", root)]["initiator_user_id"] == "U0ALICE"


async def test_set_status_refuses_bad_arguments(slack, web):
    root = slack.add_message("C1", user="U0ALICE", text="hi")["ts"]
    bad = [dict(channel_id="C1", thread_ts=root, status="thinking"),
           dict(channel_id="C1", status="active"),
           dict(channel_id="C1", thread_ts=root, status="active", title="x" * 201)]
    for args in bad:
        assert await refused(web.agents_sessions_setStatus(**args)) == "invalid_arguments"
    assert await refused(web.agents_sessions_setStatus(
        channel_id="C1", thread_ts="1.000001", status="active")) == "thread_not_found"
    assert slack.sessions == {}


@pytest.mark.parametrize("scope", ["chat:write", "assistant:write"])
async def test_set_status_needs_chat_write_and_an_agent(slack, web, scope):
    root = slack.add_message("C1", user="U0ALICE", text="hi")["ts"]
    slack.missing_scopes.add(scope)
    with pytest.raises(SlackApiError) as caught:
        await web.agents_sessions_setStatus(channel_id="C1", thread_ts=root, status="active")
    assert caught.value.response["error"] == "missing_scope"
    assert caught.value.response["needed"] == scope


async def test_set_status_is_rate_limited_like_tier_3(slack, web):
    root = slack.add_message("C1", user="U0ALICE", text="hi")["ts"]
    assert slack.status_per_minute == 50  # by default, as on Slack
    slack.status_per_minute = 2
    for _ in range(2):
        await web.agents_sessions_setStatus(channel_id="C1", thread_ts=root, status="active")
    with pytest.raises(SlackApiError) as caught:
        await web.agents_sessions_setStatus(channel_id="C1", thread_ts=root, status="active")
    assert caught.value.response.status_code == 429
    assert int(caught.value.response.headers["Retry-After"]) >= 1


async def test_feedback_blocks_are_checked_like_slack(slack, web):
    good = feedback_block("1.000100")
    await web.chat_postMessage(channel="C1", text="x", blocks=[good])
    buttons = good["elements"][0]
    too_long_label = json.loads(json.dumps(good))
    too_long_label["elements"][0]["positive_button"]["accessibility_label"] = "x" * 76
    no_value = json.loads(json.dumps(good))
    del no_value["elements"][0]["negative_button"]["value"]
    mrkdwn_text = json.loads(json.dumps(good))
    mrkdwn_text["elements"][0]["positive_button"]["text"]["type"] = "mrkdwn"
    bad = [{"type": "context_actions", "elements": []},
           {"type": "context_actions", "elements": [buttons] * 6},
           {"type": "context_actions", "elements": [{"type": "button"}]},
           too_long_label, no_value, mrkdwn_text]
    for n, block in enumerate(bad):  # a channel each: Slack paces posts within a channel
        assert await refused(web.chat_postMessage(channel=f"C{n + 2}", text="x",
                                                  blocks=[block])) == "invalid_blocks"


async def test_a_stop_ends_the_stream_and_is_sent_over_socket_mode(slack, web):
    root = slack.add_message("C1", user="U0ALICE", text="hi")["ts"]
    stream = await web.chat_startStream(channel="C1", thread_ts=root, recipient_user_id="U0ALICE",
                                        recipient_team_id=slack.team_id, markdown_text="Half")
    client = await socket_client(slack)
    try:
        envelope = await slack.stop_session("C1", root, "U0BOB")
        await slack.wait_ack(envelope)
        [request] = client.received
        event = request.payload["event"]
        assert (event["type"], event["channel"], event["thread_ts"], event["user"],
                event["streaming_message_ts"]) == ("agent_session_stopped", "C1", root, "U0BOB",
                                                   [stream["ts"]])
    finally:
        await client.close()
    for call in (web.chat_appendStream(channel="C1", ts=stream["ts"], markdown_text=" more"),
                 web.chat_stopStream(channel="C1", ts=stream["ts"])):
        assert await refused(call) == "message_not_in_streaming_state"
    await web.chat_update(channel="C1", ts=stream["ts"], text="Half. Stopped.")  # allowed now
    assert slack.message("C1", stream["ts"])["text"] == "Half. Stopped."


async def test_stop_stream_can_end_the_session(slack, web):
    root = slack.add_message("C1", user="U0ALICE", text="hi")["ts"]
    await web.agents_sessions_setStatus(channel_id="C1", thread_ts=root, status="processing")
    streams = [await web.chat_startStream(channel="C1", thread_ts=root,
                                          recipient_user_id="U0ALICE",
                                          recipient_team_id=slack.team_id) for _ in range(2)]
    assert await refused(web.chat_stopStream(channel="C1", ts=streams[0]["ts"],
                                             session_status="done")) == "invalid_arguments"
    await web.chat_stopStream(channel="C1", ts=streams[0]["ts"], markdown_text="Bye.",
                              session_status="active")
    assert slack.session_status("C1", root) == ["processing", "active"]
    await web.chat_stopStream(channel="C1", ts=streams[1]["ts"])  # leaves the session be
    assert slack.session_status("C1", root) == ["processing", "active"]


async def app_server(received: list) -> tuple[aioweb.AppRunner, str]:
    """A stand-in app that checks Slack's signature and keeps what it was sent."""

    async def events(request: aioweb.Request) -> aioweb.Response:
        body = await request.text()
        expected = signature(SECRET, request.headers["X-Slack-Request-Timestamp"], body)
        if request.headers["X-Slack-Signature"] != expected:
            return aioweb.Response(status=401)
        received.append((request.content_type, body))
        return aioweb.Response(text="")

    app = aioweb.Application()
    app.router.add_post("/slack/events", events)
    runner = aioweb.AppRunner(app)
    await runner.setup()
    site = aioweb.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"


async def test_stops_and_clicks_over_http_are_signed(slack, web):
    received: list = []
    runner, url = await app_server(received)
    try:
        root = slack.add_message("C1", user="U0ALICE", text="hi")["ts"]
        posted = await web.chat_postMessage(channel="C1", thread_ts=root, text="answer",
                                            blocks=[feedback_block(root)])
        assert await slack.stop_session("C1", root, "U0BOB", http=(url, SECRET)) == 200
        assert await slack.click_feedback("C1", posted["ts"], "U0BOB", "negative",
                                          http=(url, SECRET)) == 200
        assert await slack.stop_session("C1", root, "U0BOB", http=(url, "wrong")) == 401
    finally:
        await runner.cleanup()
    (kind, stop), (form, click) = received
    assert kind == "application/json"
    assert json.loads(stop)["event"]["streaming_message_ts"] == []
    assert form == "application/x-www-form-urlencoded"
    payload = json.loads(parse_qs(click)["payload"][0])
    assert payload["type"] == "block_actions"
    [action] = payload["actions"]
    assert (action["type"], action["value"]) == ("feedback_buttons", f"negative:{root}")
    assert payload["container"]["message_ts"] == posted["ts"]


async def test_only_shown_feedback_buttons_can_be_clicked(slack, web):
    posted = await web.chat_postMessage(channel="C1", text="no buttons here")
    with pytest.raises(AssertionError):
        await slack.click_feedback("C1", posted["ts"], "U0BOB", "positive")
