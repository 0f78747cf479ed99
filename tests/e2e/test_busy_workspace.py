"""A busy workspace gets every answer within seconds: the edit budget only limits how many
answers it sees being written. Quiet workspaces keep one placeholder, edited as it streams."""

import asyncio

import pytest

from bench.conversations import max_in_window, percentile
from bench.delivery import (
    answer_visible,
    by_channel,
    ratelimited,
    sign_of_work,
    threads_of,
    untidy,
)
from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of
from tests.e2e.processes import RedisServer

TEXT = "Short answers arrive a few words at a time. " * 8
MARGIN = 5  # for time targets, on a shared 2-core machine

def question(n: int) -> str:
    return f"<@UBOT> question {n}"


def settled(slack, answers: int) -> bool:
    """As many bot messages as answers, each with its footer: nothing left to tidy."""
    mine = slack.bot_messages()
    return len(mine) == answers and all(footer_of(m) for m in mine)


async def ask(slack, channels: list[str], over: float = 0.0) -> list[dict]:
    """One mention in each channel, spread evenly over `over` seconds."""
    async def one(n: int, channel: str) -> dict:
        await asyncio.sleep(over * n / len(channels))
        return await slack.user_message(channel, "U0ALICE", question(n), events=("app_mention",))
    return await asyncio.gather(*(one(n, channel) for n, channel in enumerate(channels)))


async def all_answered_tidily(slack, claude, count: int, timeout: float) -> list[str]:
    """A mention in each of `count` channels, every answer whole and tidy, and no 429 on the
    way; returns the channels."""
    channels = [f"C{n}" for n in range(count)]
    mentions = await ask(slack, channels)
    await slack.wait_for(lambda: settled(slack, count), timeout=timeout, what="tidy threads")
    assert untidy(slack, threads_of(slack, claude, mentions, channels), body=TEXT) == []
    assert ratelimited(slack) == {}
    return channels


@pytest.mark.parametrize("slack", [{"updates_per_minute": 50}], indirect=True)
async def test_two_hundred_conversations_at_once(slack, claude, make_bot):
    """200 answers streaming at once (4 s each, asked within 2 s). Time targets carry a margin:
    the bot shares this process and its two cores with both servers (the benchmark measures
    them with the bot in its own process)."""
    claude.default = Reply(text=TEXT, chunk_chars=44, delay=0.5)
    slack.status_per_minute = 50  # agents.sessions.setStatus at Tier 3 as well
    await make_bot(SLACK_UPDATES_PER_MINUTE="50", SLACK_UPDATE_INTERVAL="1.0")
    channels = [f"C{n:04d}" for n in range(200)]
    mentions = await ask(slack, channels, over=2.0)
    await slack.wait_for(lambda: settled(slack, 200), timeout=120,
                         what="one whole answer in every thread")
    threads = threads_of(slack, claude, mentions, channels)
    assert untidy(slack, threads, body=TEXT) == []
    assert ratelimited(slack) == {}
    assert max_in_window([c.at for c in slack.calls_to("chat.update")]) <= 50
    calls = by_channel(slack)
    signs = [sign_of_work(calls, t) for t in threads]
    assert None not in signs and percentile(signs, 95) <= 1.0 * MARGIN, percentile(signs, 95)
    visible = [answer_visible(calls, claude, t) for t in threads]
    assert None not in visible and percentile(visible, 95) <= 5.0 * MARGIN / 2
    assert slack.calls_to("assistant.threads.setStatus")  # some saw only the status first
    assert slack.calls_to("chat.delete")  # some placeholders gave way to posted answers


@pytest.mark.parametrize("slack", [{"updates_per_minute": 3}], indirect=True)
async def test_finals_beyond_the_edit_budget_are_posted_and_placeholders_removed(
        slack, claude, make_bot):
    claude.default = Reply(text=TEXT, chunk_chars=40, delay=0.05)
    await make_bot(SLACK_UPDATES_PER_MINUTE="3")
    channels = await all_answered_tidily(slack, claude, 6, timeout=30)
    assert len(slack.calls_to("chat.update")) <= 3
    assert len(slack.calls_to("chat.delete")) >= 3  # the others' placeholders
    for channel in channels:
        [reply] = slack.bot_messages(channel)
        assert body_of(reply).strip() == TEXT.strip() and footer_of(reply)
        assert reply["blocks"][-1]["type"] == "context_actions"  # feedback buttons too


async def test_a_quiet_workspace_edits_one_placeholder(slack, claude, make_bot):
    claude.default = Reply(text=TEXT, chunk_chars=20, delay=0.05)
    await make_bot()
    await slack.user_message("C1", "U0ALICE", question(1))
    [reply] = await answered(slack, "C1")
    assert body_of(reply).strip() == TEXT.strip()
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(slack.calls_to("chat.update")) >= 2  # streamed, then the final edit
    assert not slack.calls_to("chat.delete") and not slack.calls_to(
        "assistant.threads.setStatus")


@pytest.mark.parametrize("slack", [{"updates_per_minute": 3}], indirect=True)
async def test_native_answers_without_a_stream_take_the_same_way(slack, claude, make_bot):
    """chat.startStream allows 20 a minute: the other answers are edited or posted anew, and no
    method sees a 429."""
    claude.default = Reply(text=TEXT, chunk_chars=40, delay=0.05)
    await make_bot(SLACK_UPDATES_PER_MINUTE="3", SLACK_STREAMING="native")
    await all_answered_tidily(slack, claude, 30, timeout=60)
    assert 10 <= len(slack.calls_to("chat.startStream")) <= 20
    assert slack.calls_to("chat.delete")  # beyond the streams and the edits: posted anew
    assert not [m for m in slack.bot_messages() if m.get("streaming")]


@pytest.mark.parametrize("slack", [{"updates_per_minute": 3}], indirect=True)
async def test_two_instances_hold_the_limits_together(slack, claude, make_bot, tmp_path):
    """With REDIS_URL the edit budget is shared: beyond it, either process posts anew."""
    claude.default = Reply(text=TEXT, chunk_chars=40, delay=0.05)
    async with RedisServer(tmp_path) as redis:
        for _ in range(2):
            await make_bot(SLACK_UPDATES_PER_MINUTE="3", REDIS_URL=redis.url)
        await all_answered_tidily(slack, claude, 8, timeout=30)
        assert len(slack.calls_to("chat.update")) <= 3
