"""The Slack test double, exercised with the real slack_sdk / slack_bolt clients."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

# Plain `pytest` doesn't put the repo root on sys.path (no conftest.py / pythonpath setting yet).
if (_root := str(Path(__file__).resolve().parents[2])) not in sys.path:
    sys.path.insert(0, _root)

from bot.devserver.slack import SlackServer  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)


@pytest.fixture
async def slack():
    async with SlackServer() as server:
        yield server


async def socket_client(slack: SlackServer, ack_payload: dict | None = None) -> SocketModeClient:
    """A connected SDK Socket Mode client that acks every request (optionally with a payload)."""
    client = SocketModeClient(
        app_token=slack.app_token,
        web_client=AsyncWebClient(base_url=slack.api_url, token=slack.bot_token),
    )
    client.received = []

    async def on_request(c, req):
        client.received.append(req)
        await c.send_socket_mode_response(SocketModeResponse(req.envelope_id, ack_payload))

    client.socket_mode_request_listeners.append(on_request)
    await client.connect()
    return client


# --- Web API ---


async def test_auth_test_and_token_errors(slack, web):
    me = await web.auth_test()
    assert (me["user_id"], me["bot_id"], me["team_id"]) == ("UBOT", "BBOT", "T0TEAM")
    assert "files:read" in me.headers["x-oauth-scopes"]
    assert me.headers["content-type"] == "application/json; charset=utf-8"
    for token, error in [(None, "not_authed"), ("xoxb-wrong", "invalid_auth")]:
        with pytest.raises(SlackApiError) as e:
            await AsyncWebClient(token=token, base_url=slack.api_url).auth_test()
        assert e.value.response["error"] == error
    with pytest.raises(SlackApiError) as e:
        await web.apps_connections_open(app_token=slack.bot_token)
    assert e.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as e:
        await web.api_call("chat.frobnicate")
    assert e.value.response["error"] == "unknown_method"
    assert [c.token for c in slack.calls_to("auth.test")] == [slack.bot_token, None, "xoxb-wrong"]


async def test_token_in_form_or_query_but_not_json_body(slack):
    url = slack.api_url + "auth.test"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data={"token": slack.bot_token}) as r:
            assert (await r.json())["ok"] is True
        async with session.get(url, params={"token": slack.bot_token}) as r:
            assert (await r.json())["ok"] is True
        async with session.post(url, json={"token": slack.bot_token}) as r:
            assert (await r.json())["error"] == "not_authed"
        async with session.post(
            url.replace("auth.test", "apps.connections.open"), data={"token": slack.app_token}
        ) as r:
            assert (await r.json())["error"] == "not_authed"  # app token only in the header


async def test_post_update_and_state(slack, web):
    root = slack.add_message("C1", user="U0ALICE", text="question")
    posted = await web.chat_postMessage(channel="C1", text="thinking…", thread_ts=root["ts"])
    ts = posted["ts"]
    assert posted["message"]["bot_id"] == "BBOT" and posted["message"]["thread_ts"] == root["ts"]
    blocks = [{"type": "markdown", "text": "**done**"}]
    updated = await web.chat_update(channel="C1", ts=ts, text="done", blocks=blocks)
    assert updated["text"] == "done" and updated["message"]["blocks"] == blocks

    assert slack.message("C1", ts)["text"] == "done"
    assert [m["ts"] for m in slack.bot_messages("C1")] == [ts]
    thread = slack.thread("C1", root["ts"])
    assert [m["ts"] for m in thread] == [root["ts"], ts]
    assert thread[0]["reply_count"] == 1 and thread[0]["latest_reply"] == ts
    assert thread[1]["parent_user_id"] == "U0ALICE"
    call = slack.calls_to("chat.update")[0]
    assert call.params["blocks"] == blocks and call.token == slack.bot_token
    assert call.headers["Content-Type"].startswith("application/json")

    with pytest.raises(SlackApiError) as e:
        await web.chat_update(channel="C1", ts=root["ts"], text="hijack")
    assert e.value.response["error"] == "cant_update_message"
    with pytest.raises(SlackApiError) as e:
        await web.chat_update(channel="C1", ts="1.000000", text="x")
    assert e.value.response["error"] == "message_not_found"
    await web.chat_delete(channel="C1", ts=ts)
    assert slack.bot_messages() == [] and "reply_count" not in slack.message("C1", root["ts"])


async def test_channel_errors(slack, web):
    slack.not_in_channel.add("C_OUT")
    slack.missing_channels.add("C_GONE")
    cases = [("C_OUT", "not_in_channel"), ("C_GONE", "channel_not_found")]
    for channel, error in cases:
        with pytest.raises(SlackApiError) as e:
            await web.chat_postMessage(channel=channel, text="hi")
        assert e.value.response["error"] == error
    with pytest.raises(SlackApiError) as e:
        await web.conversations_replies(channel="C_GONE", ts="1.1")
    assert e.value.response["error"] == "channel_not_found"
    with (
        pytest.raises(SlackApiError) as e,
        pytest.warns(UserWarning, match="`text` argument is missing"),
    ):
        await web.chat_postMessage(channel="C1")
    assert e.value.response["error"] == "no_text"
    assert slack.bot_messages() == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"text": "x" * 40_001}, "msg_too_long"),
        ({"blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
        ({"blocks": [{"type": "carousel"}]}, "invalid_blocks"),
        (
            {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]},
            "invalid_blocks",
        ),
        (
            {"blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}]},
            "invalid_blocks",
        ),
        ({"blocks": [{"type": "markdown", "text": "x" * 6001}] * 2}, "invalid_blocks"),
        ({"blocks": "[not json"}, "invalid_blocks_format"),
    ],
)
async def test_payload_validation(slack, web, kwargs, error):
    kwargs = {"text": "fallback", **kwargs}
    first = await web.chat_postMessage(channel="C1", text="ok")
    for call in (
        web.chat_postMessage(channel="C1", **kwargs),
        web.chat_update(channel="C1", ts=first["ts"], **kwargs),
        web.chat_postEphemeral(channel="C1", user="U1", **kwargs),
    ):
        with pytest.raises(SlackApiError) as e:
            await call
        assert e.value.response.status_code == 200 and e.value.response["error"] == error
    assert [m["text"] for m in slack.bot_messages()] == ["ok"]
    assert slack.ephemerals == []


async def test_ephemeral_errors_and_record(slack, web):
    slack.not_in_channel.add("C_OUT")
    slack.missing_channels.add("C_GONE")
    slack.not_members.add(("C1", "U_LEFT"))
    cases = [({"channel": "C_OUT", "user": "U1", "text": "x"}, "not_in_channel"),
             ({"channel": "C_GONE", "user": "U1", "text": "x"}, "channel_not_found"),
             ({"channel": "C1", "user": "U_LEFT", "text": "x"}, "user_not_in_channel")]
    for kwargs, error in cases:
        with pytest.raises(SlackApiError) as e:
            await web.chat_postEphemeral(**kwargs)
        assert e.value.response["error"] == error
    with (
        pytest.raises(SlackApiError) as e,
        pytest.warns(UserWarning, match="`text` argument is missing"),
    ):
        await web.chat_postEphemeral(channel="C1", user="U1")
    assert e.value.response["error"] == "no_text"
    root = slack.add_message("C1", user="U1", text="root")
    sent = await web.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert sent["message_ts"]
    # In a thread only once the thread exists: under a lone message it is never shown.
    await web.chat_postEphemeral(channel="C1", user="U1", text="hidden", thread_ts=root["ts"])
    slack.add_message("C1", user="U2", text="reply", thread_ts=root["ts"])
    await web.chat_postEphemeral(channel="C1", user="U1", text="shown", thread_ts=root["ts"])
    assert slack.ephemerals == [
        {"channel": "C1", "user": "U1", "text": "only you", "shown": True},
        {"channel": "C1", "user": "U1", "text": "hidden", "thread_ts": root["ts"], "shown": False},
        {"channel": "C1", "user": "U1", "text": "shown", "thread_ts": root["ts"], "shown": True}]
    assert slack.bot_messages() == []  # nobody else sees it, and it is not in the history


async def test_blocks_as_form_encoded_json_string(slack, web):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    await web.api_call("chat.postMessage", data={"channel": "C1", "blocks": json.dumps(blocks)})
    assert slack.bot_messages()[0]["blocks"] == blocks
    assert slack.calls_to("chat.postMessage")[0].params["blocks"] == blocks


async def test_injected_429_surfaces_with_retry_after(slack, web):
    slack.fail_next("chat.postMessage", retry_after=1.5)
    with pytest.raises(SlackApiError) as e:
        await web.chat_postMessage(channel="C1", text="hi")
    assert e.value.response.status_code == 429
    assert e.value.response["error"] == "ratelimited"
    assert e.value.response.headers["Retry-After"] == "2"
    assert (await web.chat_postMessage(channel="C1", text="hi"))["ok"]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]

    slack.fail_next("files.info", status=500, error="internal_error", retry_after=None, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as e:
            await web.files_info(file="F1")
        assert e.value.response.status_code == 500 and "Retry-After" not in e.value.response.headers


async def test_a_dropped_connection(slack, web):
    """The SDK retries one connection error by itself (its default handler); a second drop
    reaches the caller as aiohttp's ServerDisconnectedError."""
    slack.drop_next("auth.test", times=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await web.auth_test()
    assert (await web.auth_test())["ok"]
    assert len(slack.calls_to("auth.test")) == 3


async def test_update_rate_limit_sliding_window():
    now = [1000.0]
    async with SlackServer(updates_per_minute=2) as slack:
        slack.clock = lambda: now[0]
        web = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        ts = (await web.chat_postMessage(channel="C1", text="0"))["ts"]
        await web.chat_update(channel="C1", ts=ts, text="1")
        now[0] += 30
        await web.chat_update(channel="C1", ts=ts, text="2")
        now[0] += 10
        for _ in range(2):  # rejected calls don't take a slot
            with pytest.raises(SlackApiError) as e:
                await web.chat_update(channel="C1", ts=ts, text="3")
            assert e.value.response.status_code == 429
            assert e.value.response.headers["Retry-After"] == "20"
        now[0] += 20  # the first update leaves the window
        await web.chat_update(channel="C1", ts=ts, text="3")
        assert slack.message("C1", ts)["text"] == "3"


async def test_delay_next_answers_late(slack, web):
    slack.delay_next("auth.test", 0.2)
    started = time.monotonic()
    await web.auth_test()
    assert time.monotonic() - started >= 0.2
    assert slack.calls_to("auth.test")[0].at - started < 0.1  # `at` is the arrival time


async def test_replies_pagination():
    async with SlackServer(replies_page_max=2) as slack:
        web = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        root = slack.add_message("C1", user="U0ALICE", text="root")
        replies = [
            slack.add_message("C1", user="U0BOB", text=f"r{i}", thread_ts=root["ts"])
            for i in range(4)
        ]
        expected = [root["ts"]] + [r["ts"] for r in replies]

        seen, pages = [], 0
        first = await web.conversations_replies(channel="C1", ts=replies[2]["ts"], limit=50)
        async for page in first:
            pages += 1
            assert len(page["messages"]) <= 2
            seen += [m["ts"] for m in page["messages"]]
        assert seen == expected and pages == 3
        assert page["has_more"] is False and page["response_metadata"]["next_cursor"] == ""
        assert slack.calls_to("conversations.replies")[0].params["limit"] == "50"

        with pytest.raises(SlackApiError) as e:
            await web.conversations_replies(channel="C1", ts="1.000001")
        assert e.value.response["error"] == "thread_not_found"


async def test_files_info_and_stub(slack, web):
    stub = slack.add_file(PNG, name="cat.png", mimetype="image/png", stub=True)
    assert stub["mode"] == "file_access" and "url_private" not in stub
    info = await web.files_info(file=stub["id"])
    assert info["file"]["filetype"] == "png" and info["file"]["size"] == len(PNG)
    assert info["file"]["url_private_download"].startswith(
        f"{slack.origin}/files-pri/T0TEAM-{stub['id']}/download/"
    )
    with pytest.raises(SlackApiError) as e:
        await web.files_info(file="F404")
    assert e.value.response["error"] == "file_not_found"


async def download(url: str, token: str | None = None) -> tuple[int, str, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as resp:
        return resp.status, resp.content_type, await resp.read()


async def test_downloads_need_the_bot_token(slack):
    f = slack.add_file(PNG, name="cat.png", mimetype="image/png")
    assert await download(f["url_private_download"], slack.bot_token) == (200, "image/png", PNG)
    assert (await download(f["url_private"], slack.bot_token))[2] == PNG
    for token in (None, "xoxb-wrong"):
        status, ctype, body = await download(f["url_private_download"], token)
        assert (status, ctype) == (200, "text/html") and b"Sign in to Slack" in body
    calls = slack.calls_to("files.download")
    assert [c.token for c in calls] == [slack.bot_token, slack.bot_token, None, "xoxb-wrong"]
    assert calls[0].response == {"bytes": len(PNG), "content_type": "image/png"}
    assert calls[0].params["path"].endswith("/download/cat.png")

    url = slack.add_redirect("/files-tmb/moved.png", f["url_private_download"])
    assert await download(url, slack.bot_token) == (200, "image/png", PNG)
    assert [c.method for c in slack.calls[-2:]] == ["redirect", "files.download"]


async def test_downloads_without_files_scope():
    async with SlackServer(files_scope=False) as slack:
        f = slack.add_file(PNG, name="cat.png", mimetype="image/png")
        status, ctype, _ = await download(f["url_private_download"], slack.bot_token)
        assert (status, ctype) == (200, "text/html")


# --- Socket Mode ---


async def test_hello_event_delivery_and_ack(slack):
    hellos = []

    async def on_message(client, message, raw):
        if message.get("type") == "hello":
            hellos.append(message)

    client = await socket_client(slack)
    client.message_listeners.append(on_message)
    try:
        await slack.wait_connected()
        assert slack.calls_to("apps.connections.open")[0].token == slack.app_token
        root = slack.add_message("C1", user="U0ALICE", text="root")
        msg = await slack.user_message("C1", "U0ALICE", "<@UBOT> hi", thread_ts=root["ts"])
        assert "_envelopes" not in slack.message("C1", msg["ts"])
        mention_id, message_id = msg["_envelopes"]
        assert await slack.wait_ack(mention_id) == {"envelope_id": mention_id}
        await slack.wait_ack(message_id)
        assert slack.events_sent[mention_id] <= slack.acks_at[mention_id]

        mention, message = client.received
        assert (mention.type, mention.retry_attempt) == ("events_api", 0)
        assert mention.accepts_response_payload is False
        payload = mention.payload
        assert payload["type"] == "event_callback" and payload["event_id"].startswith("Ev")
        assert payload["authorizations"][0]["user_id"] == "UBOT"
        event = payload["event"]
        assert event["type"] == "app_mention" and event["ts"] == event["event_ts"] == msg["ts"]
        assert event["thread_ts"] == root["ts"] and event["team"] == "T0TEAM"
        assert message.payload["event"]["channel_type"] == "channel"

        f = slack.add_file(PNG, name="a.png", mimetype="image/png")
        dm = await slack.user_message("D1", "U0ALICE", "<@UBOT> look", files=[f], channel_type="im")
        assert len(dm["_envelopes"]) == 1  # no app_mention in a DM
        await slack.wait_ack(dm["_envelopes"][0])
        assert client.received[-1].payload["event"]["subtype"] == "file_share"
    finally:
        await client.close()
    assert hellos and hellos[0]["connection_info"] == {"app_id": "A0APP"}


async def test_slash_command_ack_payload_and_response_url(slack):
    client = await socket_client(slack, ack_payload={"text": "Working on it"})
    try:
        envelope_id = await slack.send_slash_command(text="hello there")
        ack = await slack.wait_ack(envelope_id)
        assert ack["payload"] == {"text": "Working on it"}
        req = client.received[0]
        assert req.type == "slash_commands" and req.accepts_response_payload is True
        assert req.payload["command"] == "/claude" and req.payload["text"] == "hello there"
        response_url = req.payload["response_url"]
        assert response_url.startswith(f"{slack.origin}/response/")
        body = {"text": "answer", "response_type": "in_channel"}
        async with aiohttp.ClientSession() as session, session.post(response_url, json=body) as r:
            assert r.status == 200 and await r.text() == "ok"
        assert slack.responses[0][1]["text"] == "answer"
        assert slack.calls_to("response_url")[0].params["response_type"] == "in_channel"
    finally:
        await client.close()


async def test_reconnect_after_server_drop(slack):
    client = await socket_client(slack)
    try:
        await slack.wait_connected()
        await slack.drop_connections()
        await slack.wait_for(lambda: slack.connections_total == 2, what="reconnect")
        assert len(slack.calls_to("apps.connections.open")) == 2
        envelope_id = await slack.send_event(
            {"type": "app_mention", "ts": "1.000001", "channel": "C1"}
        )
        await slack.wait_ack(envelope_id)

        await slack.drop_connections(reason="refresh_requested")
        await slack.wait_connected()
        await slack.wait_ack(await slack.send_event({"type": "message", "ts": "1.000002"}))
    finally:
        await client.close()


async def test_events_round_robin_over_sockets(slack):
    clients = [await socket_client(slack), await socket_client(slack)]
    try:
        await slack.wait_connected(2)
        ids = [await slack.send_event({"type": "message", "ts": f"1.00000{i}"}) for i in range(4)]
        await slack.wait_for(lambda: all(i in slack.acks for i in ids), what="4 acks")
        assert [len(c.received) for c in clients] == [2, 2]
    finally:
        for c in clients:
            await c.close()


async def test_wait_for_times_out_with_message(slack):
    with pytest.raises(AssertionError, match="timed out waiting for nothing"):
        await slack.wait_for(lambda: False, timeout=0.1, what="nothing")


async def test_bolt_app_round_trip(slack):
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_bolt.async_app import AsyncApp

    app = AsyncApp(client=AsyncWebClient(token=slack.bot_token, base_url=slack.api_url))

    @app.event("app_mention")
    async def on_mention(event, say):
        await say(text="hello!", thread_ts=event["ts"])

    handler = AsyncSocketModeHandler(app, slack.app_token)
    await handler.connect_async()
    try:
        msg = await slack.user_message("C1", "U0ALICE", "<@UBOT> hi", events=("app_mention",))
        await slack.wait_for(lambda: slack.bot_messages("C1"), what="the bot's reply")
        assert slack.bot_messages("C1")[0]["thread_ts"] == msg["ts"]
        assert msg["_envelopes"][0] in slack.acks
    finally:
        await handler.close_async()
