"""HTTP mode: Slack's Events API POSTs to /slack/events, signed with the signing secret."""

import hashlib
import hmac
import json
import socket
import time

import aiohttp

from tests.e2e.helpers import answered, body_of

SECRET = "test-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/json"}


async def http_bot(make_bot):
    port = free_port()
    await make_bot(SLACK_APP_TOKEN=None, SLACK_SIGNING_SECRET=SECRET, PORT=str(port))
    return f"http://127.0.0.1:{port}/slack/events"


def mention_payload(slack) -> dict:
    message = slack.add_message("C0GENERAL", user="U0ALICE", text="<@UBOT> hello over http")
    event = {"type": "app_mention", "user": "U0ALICE", "text": message["text"],
             "ts": message["ts"], "channel": "C0GENERAL", "event_ts": message["ts"],
             "team": slack.team_id}
    return {"token": "x", "team_id": slack.team_id, "api_app_id": slack.app_id, "event": event,
            "type": "event_callback", "event_id": "Ev0HTTP1", "event_time": int(time.time()),
            "authorizations": [{"team_id": slack.team_id, "user_id": "UBOT", "is_bot": True}]}


async def test_url_verification(slack, claude, make_bot):
    url = await http_bot(make_bot)
    body = json.dumps({"token": "x", "challenge": "abc123", "type": "url_verification"})
    async with aiohttp.ClientSession() as http, http.post(url, data=body,
                                                          headers=signed(body)) as response:
        assert response.status == 200
        assert (await response.json())["challenge"] == "abc123"


async def test_signed_event_is_answered(slack, claude, make_bot):
    url = await http_bot(make_bot)
    body = json.dumps(mention_payload(slack))
    async with aiohttp.ClientSession() as http, http.post(url, data=body,
                                                          headers=signed(body)) as response:
        assert response.status == 200
    [reply] = await answered(slack)
    assert body_of(reply) == "Hello from the test Claude."


async def test_bad_or_stale_signatures_are_refused(slack, claude, make_bot):
    url = await http_bot(make_bot)
    body = json.dumps(mention_payload(slack))
    async with aiohttp.ClientSession() as http:
        for headers in (signed(body, secret="wrong"),
                        signed(body, timestamp=int(time.time()) - 301),
                        {"Content-Type": "application/json"}):
            async with http.post(url, data=body, headers=headers) as response:
                assert response.status == 401
    assert slack.calls_to("chat.postMessage") == []
    assert claude.requests == []


async def test_health_endpoint(slack, claude, make_bot):
    url = await http_bot(make_bot)
    async with aiohttp.ClientSession() as http, http.get(url.replace("/slack/events",
                                                                     "/health")) as response:
        assert response.status == 200
        assert (await response.json())["ok"] is True
