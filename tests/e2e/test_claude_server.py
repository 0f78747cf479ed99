"""The Claude test double, exercised with the real anthropic SDK (and raw HTTP for wire details)."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import anthropic
import httpx2
import pytest

from bot.devserver.claude import ClaudeServer, Reply

MODEL = "claude-sonnet-5-5"
HELLO = [{"role": "user", "content": "hi"}]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PDF = b"%PDF-1.7\n" + bytes(64)
HEADERS = {"authorization": "Bearer sk-ant-test-key", "anthropic-version": "2026-10-21"}


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def image(raw: bytes = PNG, media_type: str = "image/png") -> dict:
    return {
        "type": "image",
        "source": {"type": "base64", "media_type": media_type, "data": b64(raw)},
    }


@pytest.fixture
async def client(server):
    c = anthropic.AsyncAnthropic(api_key="sk-ant-test-key", base_url=server.base_url)
    yield c
    await c.close()


@pytest.fixture
async def raw(server):
    async with httpx2.AsyncClient(base_url=server.base_url, headers=HEADERS) as c:
        yield c


async def stream_text(client, **kwargs):
    kwargs = {"model": MODEL, "max_tokens": 256, "messages": HELLO, **kwargs}
    async with client.messages.stream(**kwargs) as stream:
        chunks = [text async for text in stream.text_stream]
        return chunks, await stream.get_final_message(), stream.request_id


async def test_text_stream_and_final_usage(server, client):
    server.enqueue(
        Reply(
            text="Hello there, friend!",
            chunk_chars=6,
            input_tokens=42,
            output_tokens=7,
            cache_read=100,
            cache_write=20,
        )
    )
    chunks, msg, rid = await stream_text(client, system="Be brief.")
    assert chunks == ["Hello ", "there,", " frien", "d!"]
    assert msg.content[0].text == "Hello there, friend!" and msg.model == MODEL
    assert msg.id.startswith("msg_") and msg.stop_reason == "end_turn"
    u = msg.usage
    assert (u.input_tokens, u.output_tokens) == (42, 7)
    assert (u.cache_read_input_tokens, u.cache_creation_input_tokens) == (100, 20)
    assert u.cache_creation.ephemeral_5m_input_tokens == 20 and u.service_tier == "standard"
    [req] = server.requests
    assert rid == req.request_id and rid.startswith("req_")
    assert req.status == 200 and req.path == "/v1/messages" and req.body["system"] == "Be brief."
    assert req.headers["authorization"] == "Bearer sk-ant-test-key"
    assert req.headers["anthropic-version"] == "2026-10-21"
    assert [r for r, _ in server.stream_events] == [rid]
    assert server.first_delta_at(rid) <= server.last_event_at(rid) == server.stream_events[0][1]


async def test_default_usage_estimates(server, client):
    _, msg, _ = await stream_text(client)
    body = server.requests[0].body
    assert msg.usage.input_tokens == len(json.dumps(body)) // 4
    assert msg.usage.output_tokens == len(Reply().text) // 4


async def test_thinking_block_then_text(server, client):
    server.enqueue(Reply(thinking="Let me think about it.", text="42.", chunk_chars=5))
    chunks, msg, _ = await stream_text(client, thinking={"type": "adaptive"})
    assert chunks == ["42."]  # text_stream skips thinking deltas
    assert [b.type for b in msg.content] == ["thinking", "text"]
    assert msg.content[0].thinking == "Let me think about it." and msg.content[0].signature


async def test_thinking_tokens_and_effort(server, client, raw):
    server.enqueue(Reply(thinking="Hmm.", text="42.", output_tokens=90, thinking_tokens=80))
    _, msg, _ = await stream_text(client, output_config={"effort": "xhigh"})
    assert (msg.usage.output_tokens, msg.usage.output_tokens_details.thinking_tokens) == (90, 80)
    assert server.requests[-1].body["output_config"] == {"effort": "xhigh"}
    for config in ({"effort": "extreme"}, {"effort_level": "low"}):
        body = {"model": MODEL, "max_tokens": 5, "messages": HELLO, "output_config": config}
        resp = await raw.post("/v1/messages", json=body)
        assert resp.status_code == 400 and "output_config.effort" in resp.text


async def test_wire_format_pings_and_cadence(server, raw):
    server.enqueue(
        Reply(text="abcdef", chunk_chars=2, first_delay=0.25, ping_every=0.05, delay=0.05)
    )
    body = {"model": MODEL, "max_tokens": 10, "messages": HELLO, "stream": True}
    arrivals, data = [], b""
    async with raw.stream("POST", "/v1/messages", json=body) as resp:
        assert resp.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert resp.headers["request-id"].startswith("req_")
        async for piece in resp.aiter_bytes():
            data += piece
            arrivals += [time.monotonic()] * piece.count(b'"text_delta"')
    events = [e.split("\n")[0].removeprefix("event: ") for e in data.decode().split("\n\n") if e]
    assert events.count("ping") >= 4  # one fixed ping plus several while waiting
    names = [e for e in events if e != "ping"]
    assert names == ["message_start", "content_block_start"] + ["content_block_delta"] * 3 + [
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    start = b'event: message_start\ndata: {"type":"message_start","message":{"model":'
    assert data.startswith(start)
    assert b'event: ping\ndata: {"type": "ping"}\n\n' in data
    assert arrivals[2] - arrivals[0] >= 0.08  # each event is flushed on its own


@pytest.mark.parametrize(
    "stop_reason, details",
    [
        ("max_tokens", None),
        ("refusal", {"type": "refusal", "category": "cyber", "explanation": "Refused by policy."}),
        ("model_context_window_exceeded", None),
    ],
)
async def test_stop_reasons(server, client, stop_reason, details):
    server.enqueue(Reply(text="Partial", stop_reason=stop_reason, stop_details=details))
    _, msg, _ = await stream_text(client)
    assert msg.stop_reason == stop_reason and msg.content[0].text == "Partial"
    if details:
        assert msg.stop_details.category == "cyber"
        assert msg.stop_details.explanation == "Refused by policy."


async def test_error_event_mid_stream(server, client):
    server.enqueue(Reply(text="Hello there, friend!", chunk_chars=4, error_after=10))
    with pytest.raises(anthropic.APIStatusError) as info:
        async with client.messages.stream(model=MODEL, max_tokens=99, messages=HELLO) as stream:
            async for _ in stream.text_stream:
                pass
    err = info.value
    assert type(err) is anthropic.APIStatusError  # not OverloadedError: the HTTP status was 200
    assert err.status_code == 200 and err.type == "overloaded_error"
    assert stream.current_message_snapshot.content[0].text == "Hello ther"
    assert len(server.requests) == 1  # never retried
    assert server.stream_events[0][0] == stream.request_id


async def test_529_retried_then_overloaded(server, client):
    server.enqueue(Reply(http_status=529, retry_after=0.01, times=3), Reply(text="never"))
    with pytest.raises(anthropic.OverloadedError) as info:
        await stream_text(client)
    assert info.value.status_code == 529 and info.value.type == "overloaded_error"
    assert [r.status for r in server.requests] == [529, 529, 529]
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1", "2"]
    assert info.value.request_id == server.requests[-1].request_id
    assert info.value.body["request_id"] == info.value.request_id


async def test_429_retry_after_honoured(server, client, raw):
    # The SDK reads `retry-after` as float seconds, so 0.05 keeps this fast; its own backoff
    # would wait at least 0.375 s, which the upper bound tells apart.
    server.enqueue(Reply(http_status=429, retry_after=0.05), Reply(text="ok"))
    chunks, _, _ = await stream_text(client)
    assert chunks == ["ok"]
    first, second = server.requests
    assert (first.status, second.status) == (429, 200)
    assert 0.05 <= second.at - first.at < 0.35
    server.enqueue(Reply(http_status=429, retry_after=2))
    resp = await raw.post("/v1/messages", json={"model": MODEL, "max_tokens": 5, "messages": HELLO})
    assert resp.status_code == 429 and resp.headers["retry-after"] == "2"
    assert resp.headers["x-should-retry"] == "true"
    assert resp.json()["error"]["type"] == "rate_limit_error"


async def test_temperature_rejected(server, client):
    with pytest.raises(anthropic.BadRequestError) as info:
        await stream_text(client, extra_body={"temperature": 0.5})
    err = info.value
    assert err.status_code == 400 and err.type == "invalid_request_error"
    assert err.body["error"]["message"] == "temperature: Extra inputs are not permitted"
    assert err.response.headers["x-should-retry"] == "false"
    assert [r.status for r in server.requests] == [400]


async def test_stall_detected_by_read_timeout(server, client):
    server.enqueue(Reply(text="Hello there, friend!", chunk_chars=4, stall_after=8))
    slow = client.with_options(timeout=httpx2.Timeout(5.0, read=0.3))
    started = time.monotonic()
    with pytest.raises(httpx2.ReadTimeout):  # raw httpx2 error, not anthropic.APITimeoutError
        async with slow.messages.stream(model=MODEL, max_tokens=99, messages=HELLO) as stream:
            async for _ in stream.text_stream:
                pass
    assert 0.3 <= time.monotonic() - started < 2
    assert stream.current_message_snapshot.content[0].text == "Hello th"
    assert server.stream_events[0][0] == stream.request_id
    server.release_stalls()


async def test_dropped_connection(server, client):
    server.enqueue(Reply(text="Hello there, friend!", chunk_chars=4, drop_after=8))
    with pytest.raises(httpx2.RemoteProtocolError):  # not anthropic.APIConnectionError
        async with client.messages.stream(model=MODEL, max_tokens=99, messages=HELLO) as stream:
            async for _ in stream.text_stream:
                pass
    assert stream.current_message_snapshot.content[0].text == "Hello th"
    assert len(server.requests) == 1


async def test_stop_ends_stalls():
    server = ClaudeServer(default=Reply(stall_after=0, ping_every=0.05))
    await server.start()
    async with httpx2.AsyncClient(base_url=server.base_url, headers=HEADERS) as raw:
        body = {"model": MODEL, "max_tokens": 10, "messages": HELLO, "stream": True}

        async def read():
            async with raw.stream("POST", "/v1/messages", json=body) as resp:
                return b"".join([piece async for piece in resp.aiter_bytes()])

        task = asyncio.create_task(read())
        await server.wait_for(lambda: server.stream_events, what="the stall to begin")
        started = time.monotonic()
        await server.stop()
        assert time.monotonic() - started < 1
        with pytest.raises(httpx2.RemoteProtocolError):
            await task


async def test_client_leaving_early_is_recorded(server, client):
    server.enqueue(Reply(text="x" * 100, chunk_chars=5, delay=0.01))
    async with client.messages.stream(model=MODEL, max_tokens=99, messages=HELLO) as stream:
        async for _ in stream.text_stream:
            break  # like a user cancelling: the SDK closes the connection on exit
    await server.wait_for(lambda: server.stream_events, timeout=2, what="the stream to end")
    rid, at = server.stream_events[0]
    assert rid == stream.request_id and at == server.last_event_at(rid)
    with pytest.raises(AssertionError, match="nothing"):
        await server.wait_for(lambda: False, timeout=0.05, what="nothing")


async def test_count_tokens(server, client):
    result = await client.messages.count_tokens(
        model=MODEL,
        system="s" * 40,
        messages=[{"role": "user", "content": [image(), {"type": "text", "text": "t" * 400}]}],
    )
    assert result.input_tokens == 440 // 4 + 1600
    assert server.requests[0].path == "/v1/messages/count_tokens"
    with pytest.raises(anthropic.BadRequestError, match="top_k: Extra inputs"):
        await client.messages.count_tokens(model=MODEL, messages=HELLO, extra_body={"top_k": 5})


@pytest.mark.parametrize(("messages", "problem"), [
    ([{"role": "user", "content": [{"type": "text", "text": " "}]}], "must be non-empty"),
    ([{"role": "assistant", "content": "hi"}], "first message must use the"),
    ([{"role": "user", "content": [{"type": "image", "source": {
        "type": "base64", "media_type": "image/png", "data": "bm90IGFuIGltYWdl"}}]}],
     "does not match the provided media type"),
])
async def test_count_tokens_refuses_what_messages_refuses(server, client, messages, problem):
    with pytest.raises(anthropic.BadRequestError, match=problem):
        await client.messages.count_tokens(model=MODEL, messages=messages)
    with pytest.raises(anthropic.BadRequestError, match=problem):
        await client.messages.create(model=MODEL, max_tokens=10, messages=messages)
    assert [r.status for r in server.requests] == [400, 400]


async def test_non_streaming_create(server, client):
    server.enqueue(Reply(text="Plain answer.", thinking="hm", output_tokens=3))
    msg = await client.messages.create(model=MODEL, max_tokens=50, messages=HELLO)
    assert [b.type for b in msg.content] == ["thinking", "text"]
    assert msg.content[1].text == "Plain answer." and msg.usage.output_tokens == 3


async def test_responder_queue_and_times(server, client):
    server.responder = lambda body: Reply(text=f"echo {body['messages'][0]['content']}")
    server.enqueue(Reply(text="one", times=2))
    texts = [(await stream_text(client))[1].content[0].text for _ in range(3)]
    assert texts == ["one", "one", "echo hi"]


async def test_auth_and_version_headers(server, raw):
    body = {"model": MODEL, "max_tokens": 5, "messages": HELLO}
    bad = await raw.post("/v1/messages", json=body, headers={"authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["error"]["type"] == "authentication_error"
    assert bad.json()["request_id"] == bad.headers["request-id"]
    keyed = await raw.post(
        "/v1/messages", json=body, headers={"authorization": "", "x-api-key": "sk-ant-test-key"}
    )
    assert keyed.status_code == 200 and keyed.json()["type"] == "message"
    async with httpx2.AsyncClient(base_url=server.base_url) as bare:
        r = await bare.post("/v1/messages", json=body, headers={"x-api-key": "sk-ant-test-key"})
    assert r.status_code == 400 and "anthropic-version" in r.json()["error"]["message"]
    assert [q.status for q in server.requests] == [401, 200, 400]


def user(*blocks) -> list:
    return [{"role": "user", "content": list(blocks)}]


TEXT = {"type": "text", "text": "hi"}
CACHED = {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}
PDF_DOC = {
    "type": "document",
    "source": {"type": "base64", "media_type": "application/pdf", "data": b64(PDF)},
}
BIG = {
    "type": "image",
    "source": {"type": "base64", "media_type": "image/png", "data": "A" * (5 * 1024 * 1024 + 4)},
}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"top_p": 0.9}, "top_p: Extra inputs are not permitted"),
        ({"foo": 1}, "foo: Extra inputs are not permitted"),
        ({"max_tokens": 0}, "max_tokens: Input should be greater than or equal to 1"),
        ({"messages": []}, "at least one message"),
        (
            {"messages": [{"role": "system", "content": "x"}]},
            "Input should be 'user' or 'assistant'",
        ),
        (
            {"messages": [{"role": "assistant", "content": "x"}]},
            'first message must use the "user"',
        ),
        ({"messages": [{"role": "user", "content": ""}]}, "non-empty content"),
        ({"messages": [{"role": "user", "content": []}]}, "non-empty content"),
        (
            {"messages": user({"type": "text", "text": "  \n"})},
            "text content blocks must be non-empty",
        ),
        ({"messages": user(image(media_type="image/bmp"))}, "Input should be 'image/jpeg'"),
        (
            {"messages": user(image(media_type="image/jpeg"))},
            "does not match the provided media type",
        ),
        ({"messages": user(BIG)}, "image exceeds 5 MB maximum: 5242884 bytes > 5242880 bytes"),
        ({"messages": user({**image(), "source": {**image()["source"], "data": "@@"}})}, "base64"),
        (
            {"messages": user({**PDF_DOC, "source": {**PDF_DOC["source"], "data": b64(PNG)}})},
            "PDF specified was not valid",
        ),
        ({"messages": HELLO + [{"role": "assistant", "content": [PDF_DOC]}]}, "assistant messages"),
        (
            {"messages": user(*[CACHED] * 4), "cache_control": {"type": "ephemeral"}},
            "A maximum of 4 blocks with cache_control may be provided. Found 5.",
        ),
        ({"system": {"text": "x"}}, "system: Input should be"),
        ({"system": [{"type": "image"}]}, "system: Input should be"),
        (
            {"system": [{"type": "text", "text": ""}]},
            "system: text content blocks must be non-empty",
        ),
    ],
)
async def test_validation(server, raw, change, message):
    body = {"model": MODEL, "max_tokens": 5, "messages": HELLO, **change}
    resp = await raw.post("/v1/messages", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.headers["x-should-retry"] == "false"
    assert resp.json()["error"]["type"] == "invalid_request_error"
    assert message in resp.json()["error"]["message"]


async def test_valid_attachments_accepted(server, raw):
    messages = user(image(), PDF_DOC, *[CACHED] * 3, TEXT)
    body = {
        "model": MODEL,
        "max_tokens": 5,
        "messages": messages,
        "cache_control": {"type": "ephemeral"},
        "system": [TEXT],
    }
    resp = await raw.post("/v1/messages", json=body)
    assert resp.status_code == 200, resp.text

