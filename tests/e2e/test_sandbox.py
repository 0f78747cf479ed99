"""The sandbox's server side: what the page sends reaches the real bot as Slack would send it,
the bot's answers come back live, and bad input gets Slack's answers without breaking it."""

import asyncio
import json

import aiohttp
import pytest

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of, notices_of
from tests.e2e.sandbox_client import PageClient, png, running_sandbox


@pytest.fixture
async def sandbox(tmp_path):
    async with running_sandbox(tmp_path) as sandbox:
        yield sandbox


@pytest.fixture
async def client(sandbox):
    async with aiohttp.ClientSession() as session:
        yield PageClient(sandbox, session)


async def test_a_mention_with_an_image_is_answered_by_the_offline_standin(sandbox, client):
    status, upload = await client.upload("chart.png", png(640, 480), content_type="image/png")
    assert status == 200 and upload["file"]["mimetype"] == "image/png"
    file_id = upload["file"]["id"]
    status, posted = await client.say("@Claude what is in this chart?", files=(file_id,))
    assert status == 200
    [reply] = await answered(sandbox.workspace, "C0GENERAL")
    assert reply["thread_ts"] == posted["ts"]  # in the mention's thread, as in Slack
    assert "640×480 px" in body_of(reply) and "Offline stand-in" in body_of(reply)
    assert footer_of(reply).startswith("`claude-sonnet-5-5` · ")
    [request] = sandbox.standin.requests
    assert [b["type"] for b in request.body["messages"][0]["content"]] == ["image", "text"]
    state = await client.state()
    shown = {m["ts"]: m for m in state["messages"]}
    assert shown[posted["ts"]]["text"] == "<@U0CLAUDE> what is in this chart?"
    assert shown[posted["ts"]]["files"][0]["url"].startswith("/files/")
    assert not shown[reply["ts"]]["working"] and state["claude"]["offline"]


async def test_every_open_tab_sees_the_answer_grow_and_a_closed_tab_breaks_nothing(sandbox, client):
    sandbox.standin.enqueue(Reply(text="word " * 60, chunk_chars=10, delay=0.05))
    session = client.session
    first = await session.ws_connect(client.url + "/api/live")
    second = await session.ws_connect(client.url + "/api/live")
    await client.say("@Claude tell me a story")
    await sandbox.workspace.wait_for(lambda: sandbox.workspace.bot_messages(), what="placeholder")
    await first.close()  # a tab closed mid-answer
    [reply] = await answered(sandbox.workspace)
    seen: list[dict] = []
    while not any(m["ts"] == reply["ts"] and not m["working"] for m in seen):
        seen += json.loads((await second.receive(timeout=5)).data)["upserts"]
    bodies = [body_of(m) for m in seen if m["ts"] == reply["ts"]]
    assert len(set(bodies)) >= 3  # placeholder, growing text, final text: live, edit by edit
    assert [m["working"] for m in seen if m["ts"] == reply["ts"]][0] is True
    third = await session.ws_connect(client.url + "/api/live")  # a tab opened afterwards
    await client.say("again", thread_ts=reply["thread_ts"])
    await answered(sandbox.workspace, count=2)
    assert json.loads((await third.receive(timeout=5)).data)["upserts"]
    await second.close()
    await third.close()


async def test_bad_input_gets_the_answers_slack_gives(sandbox, client):
    assert await client.say("   ") == (400, {"ok": False, "error": "no_text"})
    assert (await client.say("x" * 40_001))[1]["error"] == "msg_too_long"
    assert (await client.say("hi", channel="C0NOWHERE"))[1]["error"] == "channel_not_found"
    assert (await client.say("hi", channel="D0BOB"))[1]["error"] == "channel_not_found"  # not yours
    assert (await client.say("hi", user="alice"))[1]["error"] == "user_not_found"
    assert (await client.say("hi", thread_ts="1.000000"))[1]["error"] == "thread_not_found"
    assert (await client.say("hi", files=("F0NONE",)))[1]["error"] == "file_not_found"
    async with client.session.post(client.url + "/api/messages", data="{",
                                   headers={"X-Sandbox": "1"}) as response:
        assert response.status == 400 and (await response.json())["error"] == "invalid_json"
    assert sandbox.workspace.envelopes == []  # none of it reached the bot
    await client.say("@Claude still fine?")
    await answered(sandbox.workspace)


async def test_only_this_machines_browser_may_use_it(client):
    async with client.session.post(client.url + "/api/messages", json={}) as response:
        assert response.status == 403  # no custom header: a cross-site form post
    async with client.session.get(client.url + "/api/state?user=U0ALICE",
                                  headers={"Host": "evil.example:80"}) as response:
        assert response.status == 403  # a rebound DNS name
    with pytest.raises(aiohttp.WSServerHandshakeError):  # another site's page
        await client.session.ws_connect(client.url + "/api/live",
                                        headers={"Origin": "https://evil.example"})


async def test_a_50_mb_upload_is_taken_and_the_bot_says_it_is_too_large(sandbox, client):
    status, upload = await client.upload("dump.pdf", b"%PDF-1.4\n" + bytes(50_000_000))
    assert status == 200 and upload["file"]["size"] == 50_000_009
    await client.say("@Claude read this", files=(upload["file"]["id"],))
    [reply] = await answered(sandbox.workspace)
    assert any("dump.pdf" in notice for notice in notices_of(reply))
    assert "No files came with this conversation." in body_of(reply)  # answered all the same


async def test_a_file_named_png_that_is_not_an_image_gets_the_bots_notice(sandbox, client):
    status, upload = await client.upload("photo.png", b"this is not a picture")
    assert upload["file"]["mimetype"] == "image/png"  # typed by its name, as Slack does
    await client.say("@Claude look", files=(upload["file"]["id"],))
    [reply] = await answered(sandbox.workspace)
    assert any("photo.png" in notice for notice in notices_of(reply))


async def test_the_slash_command_and_its_private_answers(sandbox, client):
    status, _ = await client.post("/api/command", {"user": "U0BOB", "channel": "C0GENERAL",
                                                   "text": "/claude help"})
    assert status == 200
    await sandbox.workspace.wait_for(lambda: sandbox.workspace.ephemerals, what="help")
    assert (await client.state("U0ALICE"))["ephemerals"] == []  # only bob sees it
    [help_text] = (await client.state("U0BOB"))["ephemerals"]
    assert "/claude <question>" in help_text["text"] and not help_text["slackbot"]
    await client.post("/api/command", {"user": "U0BOB", "channel": "C0GENERAL",
                                       "text": "/claude what is 2+2?"})
    [reply] = await answered(sandbox.workspace)
    assert not reply.get("thread_ts") or reply["thread_ts"] == reply["ts"]  # in the channel
    assert "<@U0BOB> asked:" in notices_of(reply)[0]
    await client.post("/api/command", {"user": "U0BOB", "channel": "C0GENERAL",
                                       "text": "/weather"})
    last = (await client.state("U0BOB"))["ephemerals"][-1]
    assert last["slackbot"] and "`/weather` is not a valid command" in last["text"]


async def test_a_direct_message_is_answered_without_a_mention(sandbox, client):
    status, posted = await client.say("hello", user="U0BOB", channel="D0BOB")
    [reply] = await answered(sandbox.workspace, "D0BOB")
    assert reply["thread_ts"] == posted["ts"]
    channels = (await client.state("U0BOB"))["channels"]
    assert {"id": "D0BOB", "name": "Claude", "type": "im"} in channels


async def test_stop_sends_agent_session_stopped_for_the_thread(sandbox, client):
    sandbox.standin.enqueue(Reply(text="slow " * 200, chunk_chars=5, delay=0.05))
    _, posted = await client.say("@Claude write a lot")
    workspace = sandbox.workspace
    await workspace.wait_for(lambda: any(v["working"] for v in workspace.views().values()),
                             what="an answer being written")
    status, _ = await client.post("/api/stop", {"user": "U0ALICE", "channel": "C0GENERAL",
                                                "thread_ts": posted["ts"]})
    assert status == 200
    envelope = workspace.envelopes[-1]
    assert envelope["type"] == "events_api"
    event = envelope["payload"]["event"]
    assert {k: event[k] for k in ("type", "channel", "thread_ts", "streaming_message_ts",
                                  "user")} == {
        "type": "agent_session_stopped", "channel": "C0GENERAL", "thread_ts": posted["ts"],
        "streaming_message_ts": [], "user": "U0ALICE"}  # edited answers: no stream to end
    status, refused = await client.post("/api/stop", {"user": "U0ALICE", "channel": "C0GENERAL",
                                                      "thread_ts": "1.000000"})
    assert (status, refused["error"]) == (400, "thread_not_found")


async def test_stop_ends_a_native_stream_as_slack_does(tmp_path):
    async with running_sandbox(tmp_path, SLACK_STREAMING="native") as sandbox, \
            aiohttp.ClientSession() as session:
        client = PageClient(sandbox, session)
        workspace = sandbox.workspace
        sandbox.standin.enqueue(Reply(text="slow " * 400, chunk_chars=5, delay=0.05))
        _, posted = await client.say("@Claude write a lot")
        await workspace.wait_for(lambda: any(v["streaming"] for v in workspace.views().values()),
                                 what="a stream")
        [stream] = [v for v in workspace.views().values() if v["streaming"]]
        await client.post("/api/stop", {"user": "U0BOB", "channel": "C0GENERAL",
                                        "thread_ts": posted["ts"]})
        event = workspace.envelopes[-1]["payload"]["event"]
        assert event["streaming_message_ts"] == [stream["ts"]] and event["user"] == "U0BOB"
        assert not workspace.message("C0GENERAL", stream["ts"]).get("streaming")


FEEDBACK = {"type": "context_actions", "block_id": "fb1", "elements": [{
    "type": "feedback_buttons", "action_id": "feedback",
    "positive_button": {"text": {"type": "plain_text", "text": "👍"}, "value": "good"},
    "negative_button": {"text": {"type": "plain_text", "text": "👎"}, "value": "bad"}}]}


async def test_a_feedback_click_is_a_block_actions_payload(sandbox, client):
    _, posted = await client.say("@Claude hi")
    await answered(sandbox.workspace)
    # A message with feedback buttons, as the bot ends an answer with them.
    message = await sandbox.bot.deps.slack.chat_postMessage(
        channel="C0GENERAL", thread_ts=posted["ts"], text="ok", blocks=[FEEDBACK])
    status, _ = await client.post("/api/feedback", {
        "user": "U0BOB", "channel": "C0GENERAL", "ts": message["ts"], "value": "negative"})
    assert status == 200
    envelope = sandbox.workspace.envelopes[-1]
    payload = envelope["payload"]
    assert envelope["type"] == "interactive" and payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U0BOB" and payload["team"]["id"] == "T0SANDBOX"
    assert payload["container"] == {"type": "message", "message_ts": message["ts"],
                                    "channel_id": "C0GENERAL", "is_ephemeral": False,
                                    "thread_ts": posted["ts"]}
    assert payload["actions"][0] | {"action_ts": ""} == {
        "type": "feedback_buttons", "action_id": "feedback", "block_id": "fb1",
        "value": "bad", "action_ts": ""}
    assert payload["response_url"].startswith(sandbox.workspace.origin)
    for body in ({"ts": message["ts"], "value": "maybe"},  # no such button
                 {"ts": posted["ts"], "value": "positive"}):  # a message without buttons
        status, refused = await client.post("/api/feedback", {
            "user": "U0BOB", "channel": "C0GENERAL", **body})
        assert (status, refused["error"]) == (400, "action_not_found")


async def test_typed_text_is_encoded_as_slack_encodes_it(sandbox):
    encoded = sandbox.workspace.encode("@Claude is 1 < 2 & 3 > 2? ask @bob or @U0DAVE, not a@b.c")
    assert encoded == ("<@U0CLAUDE> is 1 &lt; 2 &amp; 3 &gt; 2? ask <@U0BOB> or <@U0DAVE>, "
                       "not a@b.c")


async def test_a_page_that_vanishes_mid_send_leaves_the_sandbox_working(sandbox, client):
    tasks = [asyncio.create_task(client.say(f"@Claude question {n}")) for n in range(3)]
    tasks[0].cancel()  # the browser went away while posting
    await asyncio.gather(*tasks, return_exceptions=True)
    await answered(sandbox.workspace, count=2)
    assert (await client.say("@Claude and now?"))[0] == 200


async def test_with_an_api_key_claude_answers(tmp_path, claude, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", claude.base_url)  # as a proxy user would set it
    async with running_sandbox(tmp_path, ANTHROPIC_API_KEY=claude.api_key) as sandbox, \
            aiohttp.ClientSession() as session:
        client = PageClient(sandbox, session)
        assert sandbox.standin is None
        assert (await client.state())["claude"] == {
            "offline": False, "label": "Claude API · claude-sonnet-5-5"}
        await client.say("@Claude hi")
        [reply] = await answered(sandbox.workspace)
        assert body_of(reply) == "Hello from the test Claude."
        assert [r.status for r in claude.requests] == [200]  # the key was accepted


async def test_natively_streamed_answers_show_as_they_grow(tmp_path):
    async with running_sandbox(tmp_path, SLACK_STREAMING="native") as sandbox, \
            aiohttp.ClientSession() as session:
        client = PageClient(sandbox, session)
        workspace = sandbox.workspace
        await client.say("@Claude hi")
        await workspace.wait_for(lambda: any(v["streaming"] and v["working"]
                                             for v in workspace.views().values()),
                                 what="a stream being written")
        [reply] = await answered(workspace)
        shown = {m["ts"]: m for m in (await client.state())["messages"]}[reply["ts"]]
        assert not shown["working"] and "Offline stand-in" in shown["text"]


async def test_with_tools_on_the_standin_makes_labelled_fake_calls_and_a_file(tmp_path):
    async with running_sandbox(tmp_path, CLAUDE_TOOLS="web_search,web_fetch,code_execution"
                               ) as sandbox, aiohttp.ClientSession() as session:
        client = PageClient(sandbox, session)
        _, posted = await client.say("@Claude what is new in Python?")
        [reply] = await answered(sandbox.workspace, "C0GENERAL")
        blocks = [b["elements"][0]["text"] for b in reply["blocks"] if b["type"] == "context"]
        assert blocks[0].splitlines() == [
            '🔎 searching the web for "what is new in Python?" — done, 2 results',
            "📄 reading example.com/offline-stand-in — done", "⚙️ running code — done"]
        assert "Offline stand-in tools" in body_of(reply) and "[[1]](https://example.com/" \
            in body_of(reply)
        assert blocks[1].startswith("*Sources*\n1. <https://example.com/offline-stand-in|")
        assert "· 1 search · 1 fetch · 1 code run ·" in footer_of(reply)
        [shared] = sandbox.workspace.uploaded
        assert shared["file"]["name"] == "offline-stand-in.txt"
        assert shared["thread_ts"] == posted["ts"]
        state = await client.state()
        assert not any(m["working"] for m in state["messages"])
