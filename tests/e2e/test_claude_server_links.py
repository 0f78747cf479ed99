"""The Claude test double's image blocks with a `url` source, through the real anthropic SDK:
a table says what each address serves; any other address gets Claude's 400 for a file it
cannot download, and no network is used."""

from __future__ import annotations

import anthropic
import pytest

from bot.devserver.claude import Reply
from bot.devserver.claude_links import DOWNLOAD_FAILED, UNREADABLE, Linked

MODEL = "claude-sonnet-5-5"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
CHART = "https://charts.example.com/q3/chart.png"


def linked(url: str) -> dict:
    return {"type": "image", "source": {"type": "url", "url": url}}


def asking(*urls: str) -> list[dict]:
    return [{"role": "user", "content": [*map(linked, urls), {"type": "text", "text": "see?"}]}]




async def test_an_address_in_the_table_is_read(server, client):
    server.links[CHART] = Linked(PNG)
    server.enqueue(Reply(text="A rising line."))
    async with client.messages.stream(model=MODEL, max_tokens=64,
                                      messages=asking(CHART)) as stream:
        message = await stream.get_final_message()
    assert message.content[0].text == "A rising line."
    assert server.requests[0].status == 200


@pytest.mark.parametrize("served", [None, Linked(b"gone", status=404)])
async def test_an_address_it_cannot_download_is_the_real_400(server, client, served):
    if served is not None:
        server.links[CHART] = served
    server.enqueue(Reply(text="never sent"))
    with pytest.raises(anthropic.BadRequestError) as caught:
        async with client.messages.stream(model=MODEL, max_tokens=64,
                                          messages=asking(CHART)) as stream:
            await stream.get_final_message()
    error = caught.value
    assert (error.status_code, error.type, error.api_message) == (
        400, "invalid_request_error", DOWNLOAD_FAILED)
    assert error.request_id and error.response.headers["x-should-retry"] == "false"
    assert len(server.requests) == 1  # not retried by the SDK
    server.links[CHART] = Linked(PNG)  # the queued reply was not used up by the refusal
    reply = await client.messages.create(model=MODEL, max_tokens=64, messages=asking(CHART))
    assert reply.content[0].text == "never sent"


async def test_a_body_that_is_not_an_image_cannot_be_read(server, client):
    server.links[CHART] = Linked(b"<!doctype html><title>Sign in</title>")
    with pytest.raises(anthropic.BadRequestError) as caught:
        await client.messages.create(model=MODEL, max_tokens=64, messages=asking(CHART))
    assert caught.value.api_message == UNREADABLE


async def test_one_bad_address_refuses_the_whole_request(server, client):
    server.links[CHART] = Linked(PNG)
    with pytest.raises(anthropic.BadRequestError):
        await client.messages.create(model=MODEL, max_tokens=64,
                                     messages=asking(CHART, "https://elsewhere.example.org/x.jpg"))


async def test_token_counting_refuses_url_sources(server, client):
    server.links[CHART] = Linked(PNG)
    with pytest.raises(anthropic.BadRequestError) as caught:
        await client.messages.count_tokens(model=MODEL, messages=asking(CHART))
    assert "url sources are not supported" in caught.value.api_message


async def test_a_url_source_needs_its_address(server, client):
    messages = [{"role": "user", "content": [{"type": "image", "source": {"type": "url"}},
                                             {"type": "text", "text": "see?"}]}]
    with pytest.raises(anthropic.BadRequestError) as caught:
        await client.messages.create(model=MODEL, max_tokens=64, messages=messages)
    assert caught.value.api_message == "messages.0.content.0.image.source.url: Field required"


async def test_without_a_table_every_linked_image_is_taken(server, client):
    server.links = None  # the offline sandbox: nothing to serve them from
    reply = await client.messages.create(model=MODEL, max_tokens=64,
                                         messages=asking("https://anywhere.example.net/a.gif"))
    assert reply.content[0].text == "Hello from the test Claude."
