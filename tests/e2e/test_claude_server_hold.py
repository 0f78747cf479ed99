"""The Claude test double can hold a stream mid-answer until the test lets it go on
(`Reply(hold_at=…)` and `resume()`): a model pausing at an exact point, with the real SDK."""

from __future__ import annotations

import anthropic

from bot.devserver.claude import Reply
from tests.e2e.test_claude_server import HELLO, MODEL


async def test_a_stream_held_mid_answer_goes_on_when_resumed(claude):
    claude.enqueue(Reply(text="Name | Age", chunk_chars=3, hold_at=4))
    client = anthropic.AsyncAnthropic(api_key=claude.api_key, base_url=claude.base_url)
    try:
        async with client.messages.stream(model=MODEL, max_tokens=64, messages=HELLO) as stream:
            pieces = []
            async for text in stream.text_stream:
                pieces.append(text)
                if "".join(pieces) == "Name":
                    assert claude.text_sent[stream.request_id] == 4  # nothing more until resumed
                    claude.resume()
        assert pieces == ["Nam", "e", " |", " Ag", "e"]
    finally:
        await client.close()
