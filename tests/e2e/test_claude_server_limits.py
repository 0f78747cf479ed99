"""The Claude test double refuses what real Claude refuses about a request's size: over 32 MB
(413, before the API sees it), more than 100 PDF pages, more media than the model takes."""

from __future__ import annotations

import anthropic
import httpx2
import pytest

from bot.devserver.claude import Reply
from tests.e2e.test_claude_server import HEADERS, MODEL, TEXT, b64, image, stream_text, user
from tests.pdfs import make_pdf


@pytest.fixture
async def client(claude):
    c = anthropic.AsyncAnthropic(api_key=claude.api_key, base_url=claude.base_url)
    yield c
    await c.close()


@pytest.fixture
async def raw(claude):
    async with httpx2.AsyncClient(base_url=claude.base_url, headers=HEADERS) as c:
        yield c


def pdf_doc(raw: bytes) -> dict:
    return {"type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": b64(raw)}}


async def test_request_over_32_mb_is_refused_with_413(claude, client):
    huge = [{"role": "user", "content": "x" * (32 * 1024 * 1024)}]
    with pytest.raises(anthropic.RequestTooLargeError) as e:
        await stream_text(client, messages=huge)
    assert e.value.status_code == 413 and e.value.type == "request_too_large"
    assert [r.status for r in claude.requests] == [413]  # never retried


@pytest.mark.parametrize("compressed", [False, True])
async def test_more_than_100_pdf_pages_is_refused(raw, compressed):
    async def post(*pdfs, model=MODEL):
        body = {"model": model, "max_tokens": 5,
                "messages": user(*[pdf_doc(make_pdf(n, compressed=compressed)) for n in pdfs],
                                 TEXT)}
        return await raw.post("/v1/messages", json=body)

    assert (await post(100)).status_code == 200
    for pages in ((101,), (60, 41)):
        resp = await post(*pages)
        assert resp.status_code == 400
        assert resp.json()["error"]["message"] == "A maximum of 100 PDF pages may be provided."


async def test_too_much_media_for_the_model_is_refused(raw):
    async def post(model, images, pages=0):
        blocks = [image()] * images + ([pdf_doc(make_pdf(pages))] if pages else [])
        body = {"model": model, "max_tokens": 5, "messages": user(*blocks, TEXT)}
        return await raw.post("/v1/messages", json=body)

    assert (await post("claude-haiku-4-5-20251001", 95, pages=5)).status_code == 200
    resp = await post("claude-haiku-4-5-20251001", 96, pages=5)
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "Too much media: 5 document pages + 96 images > 100"
    assert (await post(MODEL, 600)).status_code == 200  # 1M-context models take 600
    resp = await post(MODEL, 601)
    assert resp.status_code == 400 and "601 images > 600" in resp.text


async def test_a_413_from_a_proxy_has_no_json_body(claude, client):
    claude.enqueue(Reply(http_status=413, error_page="<html><body>413 Request Entity Too Large"
                                                     "</body></html>"))
    with pytest.raises(anthropic.APIStatusError) as e:
        await stream_text(client)
    assert e.value.status_code == 413 and e.value.type is None
    assert [r.status for r in claude.requests] == [413]  # never retried
