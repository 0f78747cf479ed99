"""The Slack test server paces what real Slack paces: chat.postMessage about once a second per
channel after a short burst, chat.delete and conversations.replies at Tier 3; and it shows the
AI thread status (assistant.threads.setStatus) until the app replies, it is cleared, or two
minutes pass."""

from __future__ import annotations

from bot.devserver.slack import SlackServer
from tests.e2e.test_slack_server_strict import client, refused


async def test_posts_in_one_channel_are_paced_after_a_short_burst():
    async with SlackServer(post_burst=3) as slack:
        clock = [100.0]
        slack.clock = lambda: clock[0]
        web = client(slack)
        for n in range(3):
            await web.chat_postMessage(channel="C1", text=f"burst {n}")
        error = await refused(web.chat_postMessage(channel="C1", text="one too many"),
                              "ratelimited", 429)
        assert error.response.headers["Retry-After"] == "1"
        await web.chat_postMessage(channel="C2", text="another channel is not affected")
        clock[0] += 1.0  # one more a second
        await web.chat_postMessage(channel="C1", text="paced")
        await refused(web.chat_postMessage(channel="C1", text="again too soon"),
                      "ratelimited", 429)
        clock[0] += 10.0  # the bucket refills up to the burst, no further
        for n in range(3):
            await web.chat_postMessage(channel="C1", text=f"second burst {n}")
        await refused(web.chat_postMessage(channel="C1", text="x"), "ratelimited", 429)


async def test_thread_reads_are_tier_three():
    async with SlackServer(replies_per_minute=2) as slack:
        web = client(slack)
        root = slack.add_message("C1", user="U1", text="hi")["ts"]
        for _ in range(2):
            await web.conversations_replies(channel="C1", ts=root)
        await refused(web.conversations_replies(channel="C1", ts=root), "ratelimited", 429)


async def test_chat_delete_is_tier_three():
    async with SlackServer(deletes_per_minute=2, post_burst=None) as slack:
        clock = [0.0]
        slack.clock = lambda: clock[0]
        web = client(slack)
        posted = [(await web.chat_postMessage(channel="C1", text=f"m{n}"))["ts"]
                  for n in range(3)]
        for ts in posted[:2]:
            await web.chat_delete(channel="C1", ts=ts)
        error = await refused(web.chat_delete(channel="C1", ts=posted[2]), "ratelimited", 429)
        assert error.response.headers["Retry-After"] == "60"
        clock[0] = 60.5
        await web.chat_delete(channel="C1", ts=posted[2])
        assert slack.bot_messages("C1") == []


async def test_thread_status_shows_until_the_app_replies():
    async with SlackServer() as slack:
        web = client(slack)
        root = slack.add_message("C1", user="U1", text="<@UBOT> hi")["ts"]
        await web.assistant_threads_setStatus(channel_id="C1", thread_ts=root,
                                              status="is thinking…")
        assert slack.thread_status("C1", root) == "is thinking…"
        await web.chat_postMessage(channel="C1", thread_ts=root, text="the answer")
        assert slack.thread_status("C1", root) is None


async def test_an_edit_in_the_thread_leaves_the_status():
    """Only a reply clears it: a placeholder edited under a status keeps it showing."""
    async with SlackServer() as slack:
        web = client(slack)
        root = slack.add_message("C1", user="U1", text="<@UBOT> hi")["ts"]
        placeholder = (await web.chat_postMessage(channel="C1", thread_ts=root, text="…"))["ts"]
        await web.assistant_threads_setStatus(channel_id="C1", thread_ts=root,
                                              status='is searching the web for "x"')
        await web.chat_update(channel="C1", ts=placeholder, text="the answer")
        assert slack.thread_status("C1", root) == 'is searching the web for "x"'


async def test_thread_status_is_cleared_by_an_empty_status_or_lapses():
    async with SlackServer() as slack:
        clock = [0.0]
        slack.clock = lambda: clock[0]
        web = client(slack)
        root = slack.add_message("C1", user="U1", text="hi")["ts"]
        await web.assistant_threads_setStatus(channel_id="C1", thread_ts=root, status="is busy",
                                              loading_messages=["Reading…", "Writing…"])
        await web.assistant_threads_setStatus(channel_id="C1", thread_ts=root, status="")
        assert slack.thread_status("C1", root) is None
        await web.assistant_threads_setStatus(channel_id="C1", thread_ts=root, status="is busy")
        clock[0] = 119.0
        assert slack.thread_status("C1", root) == "is busy"
        clock[0] = 120.0  # two minutes without a reply
        assert slack.thread_status("C1", root) is None


async def test_thread_status_refuses_what_slack_refuses():
    async with SlackServer() as slack:
        web = client(slack)
        root = slack.add_message("C1", user="U1", text="hi")["ts"]
        await refused(web.api_call("assistant.threads.setStatus", json={
            "channel_id": "C1", "thread_ts": root}), "invalid_arguments")
        await refused(web.assistant_threads_setStatus(
            channel_id="C1", thread_ts=root, status="x",
            loading_messages=[f"m{n}" for n in range(11)]), "invalid_arguments")
        await refused(web.assistant_threads_setStatus(
            channel_id="C1", thread_ts="1700000000.000001", status="x"), "invalid_thread_ts")
        slack.missing_scopes |= {"chat:write", "assistant:write"}
        await refused(web.assistant_threads_setStatus(channel_id="C1", thread_ts=root,
                                                      status="x"), "missing_scope")
