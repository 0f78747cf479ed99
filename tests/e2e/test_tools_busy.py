"""Tool progress when the workspace's edit budget is spent: the call shows in Slack's thread
status within a second of Claude starting it (setStatus is not paced like chat.update), the
final message still carries the progress lines, and the status is gone once the answer is."""

import pytest

from bench.delivery import ratelimited
from bot.devserver.claude import Reply
from bot.devserver.claude_script import search
from tests.e2e.helpers import answered
from tests.e2e.test_busy_workspace import ask, settled
from tests.e2e.test_tools import TOOLS, URL, progress_of

SEARCHING = 'is searching the web for "slow query"'


def slow_search() -> Reply:
    return Reply(text="Done.", script=[search("slow query", [("A", URL)], delay=2.0)])


def statuses(slack, channel: str) -> list:
    return [c for c in slack.calls_to("assistant.threads.setStatus")
            if c.params.get("channel_id") == channel and c.status == 200]


@pytest.mark.parametrize("slack", [{"updates_per_minute": 3}], indirect=True)
async def test_a_tool_call_shows_in_the_thread_status_when_edits_must_wait(
        slack, claude, make_bot):
    claude.default = slow_search()
    await make_bot(SLACK_UPDATES_PER_MINUTE="3", **TOOLS)
    channels = [f"C{n}" for n in range(5)]
    mentions = await ask(slack, channels)
    await slack.wait_for(lambda: settled(slack, len(channels)), timeout=30, what="answers")
    assert ratelimited(slack) == {} and len(slack.calls_to("chat.update")) <= 3
    request_of = {r.body["messages"][-1]["content"][-1]["text"].rsplit(" ", 1)[-1]: r.request_id
                  for r in claude.requests if r.status == 200}
    for n, channel in enumerate(channels):
        started = claude.block_started_at(request_of[str(n)], "server_tool_use")
        shown = [c.at for c in statuses(slack, channel) if c.params["status"] == SEARCHING]
        assert shown and shown[0] - started < 1.0, (channel, shown, started)
        [reply] = slack.bot_messages(channel)
        assert progress_of(reply) == '🔎 searching the web for "slow query" — done, 1 result'
    # Gone with the answer: cleared (after a final edit) or ended by the posted answer.
    await slack.wait_for(lambda: all(slack.thread_status(c, m["ts"]) is None
                                     for c, m in zip(channels, mentions, strict=True)),
                         what="every thread status cleared")


async def test_a_quiet_workspace_shows_the_call_in_the_message_only(slack, claude, make_bot):
    claude.default = slow_search()
    await make_bot(**TOOLS)
    await slack.user_message("C1", "U0ALICE", "<@UBOT> search, slowly")
    [reply] = await answered(slack, "C1")
    assert progress_of(reply).endswith("done, 1 result")
    assert not slack.calls_to("assistant.threads.setStatus")
