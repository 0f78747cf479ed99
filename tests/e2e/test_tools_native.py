"""Claude's server tools with SLACK_STREAMING=native: each call is a task card (`task_update`
chunks in_progress → complete / error), the sources go in chat.stopStream's blocks."""

from __future__ import annotations

from bot.devserver.claude import Reply
from bot.devserver.claude_script import Say, fetch, search, web_citation
from tests.e2e.helpers import answered, body_of, footer_of

URL = "https://docs.python.org/3.14/whatsnew/3.14.html"
ENV = {"SLACK_STREAMING": "native", "CLAUDE_TOOLS": "web_search,web_fetch"}


def task_chunks(slack) -> list[dict]:
    return [chunk for call in slack.calls if call.method in ("chat.appendStream",
                                                             "chat.stopStream")
            for chunk in call.params.get("chunks") or () if chunk["type"] == "task_update"]


async def test_tool_calls_stream_as_task_cards_and_sources_close_the_stream(
        slack, claude, make_bot):
    claude.default = Reply(text="", script=[
        search("python typing", [("What's New", URL)], delay=0.3),
        fetch("https://gone.example/x", error="url_not_accessible"),
        Say("Lazy annotations.", [web_citation(URL, "What's New", "lazy")])])
    await make_bot(**ENV)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> what changed?")
    [reply] = await answered(slack)
    tasks = task_chunks(slack)
    assert tasks[0]["status"] == "in_progress"
    final = {t["id"]: t for t in tasks}
    assert [(t["title"], t["status"], t.get("output")) for t in final.values()] == [
        ('🔎 searching the web for "python typing"', "complete", "1 result"),
        ("📄 reading gone.example/x", "error", "page not reachable")]
    assert {t["status"] for t in reply["tasks"].values()} == {"complete", "error"}
    assert body_of(reply) == f"Lazy annotations.[[1]]({URL})"
    assert f"1. <{URL}|What's New>" in str(reply["blocks"])
    assert "· 1 search · 1 fetch ·" in footer_of(reply)
    assert slack.calls_to("chat.update") == []
