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


PUBLISHED = {  # Slack's documented signing example (docs.slack.dev, verifying requests)
    "secret": "8f742231b10e8888abcd99yyyzzz85a5",
    "timestamp": 1531420618,
    "body": "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
            "channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
            "command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
            "commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id="
            "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
    "signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
}


def test_our_signer_matches_slacks_published_example():
    headers = signed(PUBLISHED["body"], PUBLISHED["secret"], PUBLISHED["timestamp"])
    assert headers["X-Slack-Signature"] == PUBLISHED["signature"]


async def test_slacks_published_request_is_refused_as_stale_and_accepted_when_fresh(
        slack, claude, make_bot):
    port = free_port()
    await make_bot(SLACK_APP_TOKEN=None, SLACK_SIGNING_SECRET=PUBLISHED["secret"],
                   PORT=str(port))
    url = f"http://127.0.0.1:{port}/slack/events"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = PUBLISHED["body"].replace("%2Fwebhook-collect", "%2Fclaude")
    async with aiohttp.ClientSession() as http:
        stale = {**signed(body, PUBLISHED["secret"], PUBLISHED["timestamp"]), **form}
        async with http.post(url, data=body, headers=stale) as response:
            assert response.status == 401  # signed right, but from 2018
        fresh = {**signed(body, PUBLISHED["secret"]), **form}
        async with http.post(url, data=body, headers=fresh) as response:
            assert response.status == 200  # /claude with empty text: help, acked
            assert "/claude <question>" in (await response.json())["text"]
        tampered = body.replace("roadrunner", "coyote")
        async with http.post(url, data=tampered, headers=fresh) as response:
            assert response.status == 401


async def test_ssl_check_is_answered(slack, claude, make_bot):
    url = await http_bot(make_bot)
    body = "ssl_check=1&token=xyz"
    headers = {**signed(body), "Content-Type": "application/x-www-form-urlencoded"}
    async with aiohttp.ClientSession() as http, http.post(url, data=body,
                                                          headers=headers) as response:
        assert response.status == 200
    assert claude.requests == []
