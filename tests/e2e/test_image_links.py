"""Image links: a picture linked in a message reaches Claude as a `url` image, which Claude's
servers fetch (the bot never does); a link Claude cannot use is named, and the answer goes on."""

import aiohttp
import pytest

from bot.attachments.links import links_notice
from bot.devserver.claude import Reply
from bot.devserver.claude_links import Linked
from tests.e2e.helpers import answered, body_of, notices_of
from tests.e2e.other_host import OtherHost
from tests.e2e.sandbox_client import PageClient, running_sandbox
from tests.e2e.test_files import content_of, kinds, png
from tests.e2e.test_policy import policy_bot

CH = "C0GENERAL"
CHART = "https://charts.example.com/q3/chart.png"
BROKEN = "https://gone.example.org/old/diagram.webp"
NATIVE = {"SLACK_STREAMING": "native"}
MODES = pytest.mark.parametrize("mode", [{}, NATIVE], ids=["edit", "native"])


def linked(url: str) -> dict:
    return {"type": "image", "source": {"type": "url", "url": url}}


def statuses(claude) -> list[int]:
    return [r.status for r in claude.requests]


@MODES
async def test_a_linked_picture_goes_to_claude_before_the_text(slack, claude, make_bot, mode):
    claude.links[CHART] = Linked(png())
    await make_bot(**mode)
    await slack.user_message(CH, "U0ALICE", f"<@UBOT> what does <{CHART}|this chart> show? "
                                            "See <https://charts.example.com/q3/> too")
    [reply] = await answered(slack, CH)
    assert content_of(claude) == [linked(CHART), {"type": "text", "text": (
        f"<@U0ALICE>: what does this chart ({CHART}) show? See https://charts.example.com/q3/ "
        "too")}]
    assert notices_of(reply) == [] and body_of(reply) == "Hello from the test Claude."


async def test_internal_addresses_are_neither_sent_nor_fetched(slack, claude, make_bot):
    await make_bot()
    async with OtherHost(body=png()) as inside:
        port = inside.origin.rsplit(":", 1)[1]
        await slack.user_message(CH, "U0ALICE", (
            f"<@UBOT> compare <{inside.origin}/a.png>, <http://localhost:{port}/b.png>, "
            "<http://wiki/c.jpg> and <ftp://files.example.com/d.gif>"))
        [reply] = await answered(slack, CH)
    assert inside.requests == []  # nobody fetched them: not the bot, not Claude
    assert kinds(content_of(claude)) == ["text"] and notices_of(reply) == []


async def test_uploads_and_links_share_max_images_newest_kept(slack, claude, make_bot):
    claude.links.update({CHART: Linked(png()), BROKEN.replace("gone", "kept"): Linked(png())})
    await make_bot(MAX_IMAGES="2")
    photo = slack.add_file(png(), name="old.png", mimetype="image/png")
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> remember this", files=[photo])
    await answered(slack, CH)
    await slack.user_message(CH, "U0ALICE", f"now <{CHART}> and <{BROKEN.replace('gone', 'kept')}>",
                             thread_ts=root["ts"])
    await answered(slack, CH, count=2)
    turns = claude.requests[-1].body["messages"]
    assert [kinds(t["content"]) for t in turns] == [["text"], ["text"], ["image", "image", "text"]]
    assert [b["source"]["type"] for b in turns[-1]["content"][:2]] == ["url", "url"]


async def test_a_link_earlier_in_the_thread_goes_with_the_follow_ups(slack, claude, make_bot):
    claude.links[CHART] = Linked(png())
    await make_bot()
    root = await slack.user_message(CH, "U0ALICE", f"<@UBOT> look: <{CHART}>")
    await answered(slack, CH)
    await slack.user_message(CH, "U0ALICE", "and the trend?", thread_ts=root["ts"])
    await answered(slack, CH, count=2)
    turns = claude.requests[-1].body["messages"]
    assert turns[0]["content"][0] == linked(CHART) and kinds(turns[-1]["content"]) == ["text"]


@MODES
async def test_a_link_claude_cannot_download_is_named_and_left_out_later(
        slack, claude, make_bot, mode):
    claude.links[CHART] = Linked(png())
    claude.enqueue(Reply(text="Without the picture: no idea."), Reply(text="Rising."))
    await make_bot(**mode)
    root = await slack.user_message(CH, "U0ALICE", f"<@UBOT> what is in <{BROKEN}|this>?")
    [first] = await answered(slack, CH)
    assert statuses(claude) == [400, 200]  # asked again at once, without the link
    assert kinds(content_of(claude)) == ["text"]
    assert body_of(first) == "Without the picture: no idea."
    assert notices_of(first) == [
        f":paperclip: Couldn't use the linked image `{BROKEN}`: Claude could not download or "
        "read it."]
    await slack.user_message(CH, "U0ALICE", f"then this one: <{CHART}>", thread_ts=root["ts"])
    [_, second] = await answered(slack, CH, count=2)
    assert statuses(claude) == [400, 200, 200]  # the thread remembers: no second refusal
    turns = claude.requests[-1].body["messages"]
    assert [kinds(t["content"]) for t in turns] == [["text"], ["text"], ["image", "text"]]
    assert turns[-1]["content"][0] == linked(CHART)
    assert body_of(second) == "Rising." and notices_of(second) == []


async def test_a_link_named_again_is_tried_again(slack, claude, make_bot):
    await make_bot()
    root = await slack.user_message(CH, "U0ALICE", f"<@UBOT> see <{BROKEN}>")
    await answered(slack, CH)
    claude.links[BROKEN] = Linked(png())  # fixed at its address
    await slack.user_message(CH, "U0ALICE", f"fixed it: <{BROKEN}>", thread_ts=root["ts"])
    [_, reply] = await answered(slack, CH, count=2)
    turns = claude.requests[-1].body["messages"]
    assert [kinds(t["content"]) for t in turns] == [["text"], ["text"], ["image", "text"]]
    assert notices_of(reply) == []


async def test_a_page_that_is_not_a_picture_is_named(slack, claude, make_bot):
    claude.links[CHART] = Linked(b"<!doctype html><title>Sign in</title>")
    await make_bot()
    await slack.user_message(CH, "U0ALICE", f"<@UBOT> and <{CHART}>?")
    [reply] = await answered(slack, CH)
    assert statuses(claude) == [400, 200]
    assert CHART in notices_of(reply)[0] and "Unable" not in notices_of(reply)[0]


async def test_a_refusal_that_is_not_about_links_is_reported_once(slack, claude, make_bot):
    claude.links[CHART] = Linked(png())
    claude.enqueue(Reply(http_status=400, error_message="max_tokens: too large", times=2))
    await make_bot()
    await slack.user_message(CH, "U0ALICE", f"<@UBOT> see <{CHART}>")
    [reply] = await answered(slack, CH)
    assert statuses(claude) == [400, 400]
    [notice] = notices_of(reply)
    assert "max_tokens: too large" in notice and "linked image" not in notice


async def test_a_bare_link_in_a_slash_command_and_its_follow_ups(slack, claude, make_bot):
    claude.links[CHART] = Linked(png())
    await make_bot()
    await slack.send_slash_command(text=f"what is {CHART}?")
    [reply] = await answered(slack, CH)
    assert content_of(claude)[0] == linked(CHART)
    await slack.user_message(CH, "U0ALICE", "and why?", thread_ts=reply["ts"])
    await answered(slack, CH, count=2)
    first = claude.requests[-1].body["messages"][0]["content"]
    assert first[0] == linked(CHART) and first[1]["text"].startswith("<@U0ALICE>: what is")


async def test_the_per_request_ceiling_counts_linked_images(slack, claude, make_bot, tmp_path):
    claude.links[CHART] = Linked(png())
    await policy_bot(make_bot, tmp_path, "[limits]\nrequest_tokens = 1000\n")
    await slack.user_message(CH, "U0ALICE", f"<@UBOT> <{CHART}>")
    await slack.wait_for(lambda: any("too large" in " ".join(notices_of(m))
                                     for m in slack.bot_messages()), what="the notice")
    [count] = claude.requests  # token counting takes no url source: counted without it
    assert (count.path, count.status) == ("/v1/messages/count_tokens", 200)


async def test_the_sandbox_standin_reports_a_linked_picture(tmp_path):
    async with running_sandbox(tmp_path) as sandbox, aiohttp.ClientSession() as session:
        await PageClient(sandbox, session).say(f"@Claude what is {CHART} about?")
        [reply] = await answered(sandbox.workspace, CH)
    assert f"image link  {CHART} (Claude fetches it; not fetched offline)" in body_of(reply)
    [request] = sandbox.standin.requests
    assert request.body["messages"][0]["content"][0] == linked(CHART)


async def test_after_a_restart_the_thread_still_says_which_link_to_leave_out(
        slack, claude, make_bot):
    # An earlier process answered this thread and named the link; this one never saw it fail.
    root = slack.add_message(CH, user="U0ALICE", text=f"<@UBOT> see <{BROKEN}>")
    slack.add_message(CH, user="UBOT", bot_id=slack.bot_id, thread_ts=root["ts"],
                      text="No picture.", blocks=[
        {"type": "markdown", "text": "No picture."},
        {"type": "section", "text": {"type": "mrkdwn", "text": links_notice([BROKEN])}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "`claude-sonnet-5-5`"}]}])
    await make_bot()
    await slack.user_message(CH, "U0ALICE", "<@UBOT> and now?", thread_ts=root["ts"])
    await answered(slack, CH, count=2)
    assert statuses(claude) == [200]
    assert [kinds(t["content"]) for t in claude.requests[0].body["messages"]] == [
        ["text"], ["text"], ["text"]]
