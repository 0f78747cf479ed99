"""CLAUDE_EFFORT is checked at start against what each model says it takes
(`GET /v1/models/{id}` → `capabilities.effort`), the policy's per-channel models included: a
level a model does not take is one start-up line, not a refused request on every answer."""

import pytest

from bot.app import StartupError
from tests.e2e.helpers import answered, notices_of

POLICY = """
[channel.C0HAIKU]
model = "claude-haiku-4-5"
"""


async def test_an_effort_the_model_does_not_take_stops_the_bot(make_bot, claude):
    with pytest.raises(StartupError) as stopped:
        await make_bot(CLAUDE_MODEL="claude-sonnet-4-6", CLAUDE_EFFORT="xhigh")
    line = str(stopped.value)
    assert "\n" not in line
    assert line.startswith("CLAUDE_EFFORT='xhigh' is not an effort level claude-sonnet-4-6 "
                           "takes (it takes low, medium, high, max)")
    assert claude.requests == []


async def test_a_channel_model_without_effort_stops_the_bot(make_bot, claude, tmp_path):
    (tmp_path / "policy.toml").write_text(POLICY)
    with pytest.raises(StartupError) as stopped:
        await make_bot(CLAUDE_EFFORT="low", CLAUDE_POLICY=str(tmp_path / "policy.toml"))
    line = str(stopped.value)
    assert line.startswith("CLAUDE_EFFORT='low' is not an effort level claude-haiku-4-5 "
                           "(channel.C0HAIKU.model) takes (it takes none)")
    assert sorted(claude.model_lookups) == ["claude-haiku-4-5", "claude-sonnet-5-5"]


async def test_an_effort_every_model_takes_is_sent(slack, claude, make_bot, tmp_path):
    (tmp_path / "policy.toml").write_text(POLICY.replace("haiku-4-5", "sonnet-4-6"))
    await make_bot(CLAUDE_EFFORT="max", CLAUDE_POLICY=str(tmp_path / "policy.toml"))
    await slack.user_message("C0HAIKU", "U0ALICE", "<@UBOT> think hard")
    [reply] = await answered(slack)
    assert notices_of(reply) == []
    assert claude.requests[0].body["output_config"] == {"effort": "max"}
