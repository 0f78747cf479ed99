"""The Claude test double's models: `GET /v1/models/{id}` says which effort levels a model takes
(`capabilities.effort`), and a request with a level its model does not take is refused (400),
as the real API does. Exercised with the real anthropic SDK."""

from __future__ import annotations

import anthropic
import pytest

from tests.e2e.test_claude_server import stream_text


@pytest.fixture
async def client(claude):
    c = anthropic.AsyncAnthropic(api_key=claude.api_key, base_url=claude.base_url)
    yield c
    await c.close()


async def test_the_model_says_which_effort_levels_it_takes(client):
    sonnet = await client.models.retrieve("claude-sonnet-4-6")
    effort = sonnet.capabilities.effort
    assert effort.supported and effort.max.supported and not effort.xhigh.supported
    assert sonnet.capabilities.image_input.supported and sonnet.max_input_tokens
    haiku = await client.models.retrieve("claude-haiku-4-5")
    assert not haiku.capabilities.effort.supported


@pytest.mark.parametrize(("model", "effort", "why"), [
    ("claude-haiku-4-5", "low", "does not support the effort parameter"),
    ("claude-sonnet-4-6", "xhigh", "'xhigh' is not supported by claude-sonnet-4-6"),
])
async def test_an_effort_the_model_does_not_take_is_refused(claude, client, model, effort, why):
    with pytest.raises(anthropic.BadRequestError) as refused:
        await stream_text(client, model=model, output_config={"effort": effort})
    assert why in refused.value.message and "output_config.effort" in refused.value.message
    await stream_text(client, model="claude-sonnet-4-6", output_config={"effort": "max"})
    assert [r.status for r in claude.requests] == [400, 200]
