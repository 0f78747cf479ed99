"""The Slack test server refuses what real Slack refuses: too much text across a message's
blocks, edits of a message still streaming, Tier 2 stream calls beyond their rate, and appends
or stops after Slack (timeout) or the person (stop button) ended the stream."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.devserver.slack import SlackServer

THREAD = "1764000000.000001"


def client(slack: SlackServer) -> AsyncWebClient:
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)


async def refused(call, error: str, status: int = 200) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    assert (caught.value.response["error"], caught.value.response.status_code) == (error, status)
    return caught.value


async def start(web: AsyncWebClient, text: str = "Hello") -> str:
    response = await web.chat_startStream(channel="C1", thread_ts=THREAD, markdown_text=text,
                                          recipient_user_id="U1", recipient_team_id="T0TEAM")
    return response["ts"]


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def test_all_blocks_together_stay_under_twelve_thousand_characters():
    async with SlackServer() as slack:
        web = client(slack)
        # Every block is within its own limit, and the markdown blocks within theirs.
        blocks = [section("q" * 2_500), {"type": "markdown", "text": "a" * 9_000},
                  section("n" * 400), {"type": "context",
                                       "elements": [{"type": "mrkdwn", "text": "f" * 200}]}]
        await refused(web.chat_postMessage(channel="C1", text="x", blocks=blocks),
                      "msg_blocks_too_long")
        ts = (await web.chat_postMessage(channel="C1", text="x", blocks=blocks[1:]))["ts"]
        await refused(web.chat_update(channel="C1", ts=ts, text="x", blocks=blocks),
                      "msg_blocks_too_long")
        await refused(web.chat_stopStream(channel="C1", ts=await start(web, "a" * 9_000),
                                          blocks=[blocks[0], *blocks[2:]]),
                      "msg_blocks_too_long")


async def test_a_streaming_message_cannot_be_edited_until_stopped():
    async with SlackServer() as slack:
        web = client(slack)
        ts = await start(web)
        await refused(web.chat_update(channel="C1", ts=ts, text="edited"),
                      "streaming_state_conflict")
        await web.chat_stopStream(channel="C1", ts=ts, markdown_text=" world")
        await web.chat_update(channel="C1", ts=ts, text="edited")
        assert slack.message("C1", ts)["text"] == "edited"


async def test_stream_starts_and_stops_are_tier_2_per_workspace():
    now = [1000.0]
    async with SlackServer(stream_calls_per_minute=2) as slack:
        slack.clock = lambda: now[0]
        web = client(slack)
        streams = [await start(web), await start(web)]
        error = await refused(start(web), "ratelimited", 429)
        assert error.response.headers["Retry-After"] == "60"
        now[0] += 45
        for ts in streams:  # stops have their own window
            await web.chat_stopStream(channel="C1", ts=ts)
        await refused(start(web), "ratelimited", 429)
        now[0] += 15
        ts = await start(web)
        error = await refused(web.chat_stopStream(channel="C1", ts=ts), "ratelimited", 429)
        assert error.response.headers["Retry-After"] == "45"
        assert slack.message("C1", ts)["streaming"]  # a refused stop leaves it streaming


async def test_a_stream_left_open_too_long_ends_with_an_error():
    async with SlackServer(stream_timeout=0.2) as slack:
        web = client(slack)
        ts = await start(web)
        await slack.wait_for(lambda: not slack.message("C1", ts).get("streaming"), timeout=2,
                             what="the stream to expire")
        assert slack.message("C1", ts)["stream_error"] == "expired"
        await refused(web.chat_appendStream(channel="C1", ts=ts, markdown_text="more"),
                      "message_not_in_streaming_state")
        await refused(web.chat_stopStream(channel="C1", ts=ts), "message_not_in_streaming_state")
        await web.chat_update(channel="C1", ts=ts, text="recovered")  # the documented recovery


async def test_a_stream_the_person_stopped_takes_no_more_text():
    async with SlackServer() as slack:
        web = client(slack)
        ts = await start(web, "Half an ans")
        slack.stop_stream_by_user("C1", ts, "U1")
        await refused(web.chat_appendStream(channel="C1", ts=ts, markdown_text="wer"),
                      "message_not_in_streaming_state")
        await refused(web.chat_stopStream(channel="C1", ts=ts), "message_not_in_streaming_state")
        message = slack.message("C1", ts)
        assert (message["text"], message["stopped_by"]) == ("Half an ans", "U1")
        assert "streaming" not in message
