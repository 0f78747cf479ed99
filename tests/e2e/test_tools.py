"""Claude's server tools in an answer, end to end in edit mode: what is sent to Claude, live
progress lines, citations and sources, failures in plain words, long turns, later turns, files
code execution made, and how the footer, ledger and metrics count the calls."""

from __future__ import annotations

import re

from bot.devserver.claude import Reply
from bot.devserver.claude_script import Call, Say, fetch, run_code, search, web_citation
from tests.e2e.helpers import answered, body_of, footer_of, ledger_rows, notices_of

URL = "https://docs.python.org/3.14/whatsnew/3.14.html"
TOOLS = {"CLAUDE_TOOLS": "web_search,web_fetch"}
CITED = [search("python 3.14 typing", [("What's New In Python 3.14", URL)], delay=0.3),
         fetch(URL, "What's New In Python 3.14"),
         Say("Python 3.14 changed typing. "),
         Say("Annotations are evaluated lazily.",
             [web_citation(URL, "What's New In Python 3.14", "annotations are lazy")]),
         Say(" That is the big one.")]


def contexts(message: dict) -> list[str]:
    return [b["elements"][0]["text"] for b in message.get("blocks") or ()
            if b["type"] == "context"]


def progress_of(message: dict) -> str:
    return contexts(message)[0]


async def recorded(slack, bot, mention):
    """The answer's ledger row (written before the session goes back to active)."""
    await slack.wait_for(lambda: slack.session_status("C0GENERAL", mention["ts"])[-1:]
                         == ["active"], what="the answer recorded")
    [row] = await ledger_rows(bot)
    return row


async def ask(slack, text: str = "<@UBOT> what changed in Python 3.14's typing?", **kw):
    return await slack.user_message("C0GENERAL", "U0ALICE", text, **kw)


async def test_search_and_fetch_show_progress_citations_and_sources(slack, claude, make_bot):
    claude.default = Reply(text="", script=CITED, input_tokens=2000, output_tokens=100)
    bot = await make_bot(**TOOLS)
    mention = await ask(slack)
    [reply] = await answered(slack)
    [request] = claude.requests
    assert request.body["tools"] == [
        {"type": "web_search_20260318", "name": "web_search", "max_uses": 5},
        {"type": "web_fetch_20260318", "name": "web_fetch", "max_uses": 5,
         "citations": {"enabled": True}}]
    progress, sources, footer = contexts(reply)
    assert progress == ('🔎 searching the web for "python 3.14 typing" — done, 1 result\n'
                        "📄 reading docs.python.org/3.14/whatsnew/3.14.html — done")
    assert body_of(reply) == (f"Python 3.14 changed typing. Annotations are evaluated lazily."
                              f"[[1]]({URL}) That is the big one.")
    assert sources == f"*Sources*\n1. <{URL}|What's New In Python 3.14>"
    assert footer.endswith(" s") and "· 1 search · 1 fetch ·" in footer
    # $0.01 for the search on top of the tokens (2,000 in at $2, 100 out at $10 per million)
    assert "$0.0150" in footer
    row = await recorded(slack, bot, mention)
    assert row.tool_calls == 2 and abs(row.cost_usd - 0.015) < 1e-9
    metrics = bot.deps.metrics.tool_calls
    assert metrics.labels("web_search", "ok")._value.get() == 1
    assert metrics.labels("web_fetch", "ok")._value.get() == 1


async def test_the_progress_line_shows_within_a_second_while_the_tool_runs(slack, claude,
                                                                           make_bot):
    slow = search("slow query", [("A", URL)], delay=2.0)
    claude.default = Reply(text="Done.", script=[slow])
    await make_bot(**TOOLS)
    await ask(slack)
    await claude.wait_for(lambda: claude.requests, what="the request")
    await slack.wait_for(lambda: any("slow query" in (progress_of(c.params) or "")
                                     for c in slack.calls_to("chat.update")
                                     if contexts(c.params)), timeout=3, what="the line")
    started = [c for c in slack.calls_to("chat.update") if contexts(c.params)][0]
    rid = claude.requests[0].request_id
    assert started.at - claude.block_started_at(rid, "server_tool_use") < 1.0
    assert progress_of(started.params).endswith("…")  # still running
    [reply] = await answered(slack)
    assert progress_of(reply).endswith("done, 1 result")


async def test_a_failed_search_is_marked_in_plain_words_and_the_answer_goes_on(
        slack, claude, make_bot):
    claude.default = Reply(text="I could not search further.", script=[
        search("first", [("A", URL)]), search("second", error="max_uses_exceeded"),
        fetch("https://gone.example/page", error="url_not_accessible")])
    bot = await make_bot(**TOOLS)
    mention = await ask(slack)
    [reply] = await answered(slack)
    await recorded(slack, bot, mention)
    assert progress_of(reply).splitlines()[1:] == [
        '🔎 searching the web for "second" — failed: search limit reached',
        "📄 reading gone.example/page — failed: page not reachable"]
    assert body_of(reply) == "I could not search further."
    assert "· 2 searches · 1 fetch ·" in footer_of(reply)
    errors = bot.deps.metrics.tool_calls
    assert errors.labels("web_search", "error")._value.get() == 1
    assert errors.labels("web_fetch", "error")._value.get() == 1


async def test_a_paused_turn_continues_in_the_same_message(slack, claude, make_bot):
    claude.enqueue(
        Reply(text="", script=[search("one", [("A", URL)]), Call("web_search", {"query": "two"})],
              stop_reason="pause_turn", input_tokens=1000, output_tokens=10),
        Reply(text="Both searches done.", script=[], input_tokens=3000, output_tokens=20))
    await make_bot(**TOOLS)
    await ask(slack)
    [reply] = await answered(slack)
    assert len(claude.requests) == 2 and claude.requests[1].status == 200
    assert claude.requests[1].body["messages"][-1]["role"] == "assistant"
    assert body_of(reply) == "Both searches done."
    assert footer_of(reply).startswith("`claude-sonnet-5-5` · 4,000 in · 30 out")


async def test_a_later_turn_sends_the_plain_answer_back(slack, claude, make_bot):
    claude.default = Reply(text="", script=CITED)
    await make_bot(**TOOLS)
    mention = await ask(slack)
    await answered(slack)
    claude.default = Reply(text="Yes.")
    await ask(slack, "<@UBOT> and 3.13?", thread_ts=mention["ts"])
    await answered(slack, count=2)
    later = claude.requests[-1]
    assert later.status == 200
    said = [m for m in later.body["messages"] if m["role"] == "assistant"]
    text = str(said)
    assert "Annotations are evaluated lazily." in text
    assert "[[1]]" not in text and "Sources" not in text and "🔎" not in text


async def test_many_calls_collapse_to_one_line(slack, claude, make_bot):
    claude.default = Reply(text="Lots.", script=[
        *(search(f"q{n}", [("A", URL)]) for n in range(4)),
        *(fetch(f"https://e.example/{n}") for n in range(3))])
    await make_bot(**TOOLS)
    await ask(slack)
    [reply] = await answered(slack)
    assert progress_of(reply) == "🔎 4 searches · 📄 3 pages"


async def test_files_code_made_are_shared_in_the_thread(slack, claude, make_bot):
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    made = claude.add_file("plot.png", png, "image/png")
    claude.default = Reply(text="Here is your plot.", script=[
        run_code("python plot.py", (made,))])
    await make_bot(CLAUDE_TOOLS="code_execution")
    mention = await ask(slack, "<@UBOT> plot these numbers as a PNG")
    [reply] = await answered(slack)
    assert claude.requests[0].body["tools"] == [
        {"type": "code_execution_20260521", "name": "code_execution"}]
    assert progress_of(reply) == "⚙️ running code — done"
    [shared] = slack.uploaded
    assert (shared["channel"], shared["thread_ts"]) == ("C0GENERAL", mention["ts"])
    assert shared["file"]["name"] == "plot.png" and shared["file"]["size"] == len(png)
    assert float(slack.thread("C0GENERAL", mention["ts"])[-1]["ts"]) > float(reply["ts"])
    assert "· 1 code run ·" in footer_of(reply)


async def test_files_that_cannot_be_shared_are_named(slack, claude, make_bot):
    big = claude.add_file("huge.csv", b"x" * 3000, "text/csv")
    fine = claude.add_file("small.png", b"\x89PNG\r\n\x1a\n", "image/png")
    claude.default = Reply(text="Made two files.", script=[run_code("go", (big, fine))])
    slack.missing_scopes.add("files:write")
    await make_bot(CLAUDE_TOOLS="code_execution", MAX_FILE_MB="0.002")
    await ask(slack)
    [reply] = await answered(slack)
    [notice] = notices_of(reply)
    assert notice == (":paperclip: I couldn't attach huge.csv (larger than 0.002 MB); "
                      "small.png (Slack refused it: the app lacks the files:write scope).")
    assert body_of(reply) == "Made two files."


async def test_stop_works_while_a_tool_runs(slack, claude, make_bot):
    claude.default = Reply(text="Never shown.", script=[
        search("long", [("A", URL)], delay=30)])
    bot = await make_bot(**TOOLS)
    mention = await ask(slack)
    await slack.wait_for(lambda: any(contexts(c.params) for c in slack.calls_to("chat.update")),
                         what="the progress line")
    await slack.stop_session("C0GENERAL", mention["ts"], "U0BOB")
    [reply] = await answered(slack)
    assert any("Stopped by <@U0BOB>" in n for n in notices_of(reply))
    assert "· 1 search ·" in footer_of(reply)
    row = await recorded(slack, bot, mention)
    assert (row.outcome, row.tool_calls) == ("stopped", 1)


async def test_policy_tools_per_channel_and_web_domains(slack, claude, make_bot, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('tools = ["web_search"]\n[web]\nallowed_domains = ["docs.python.org"]\n'
                      "max_uses = 2\n[channel.C0QUIET]\ntools = []\n")
    await make_bot(CLAUDE_POLICY=str(policy), **TOOLS)
    await ask(slack)
    await slack.user_message("C0QUIET", "U0ALICE", "<@UBOT> hi")
    await answered(slack, count=2)
    tools = sorted((r.body.get("tools") or [] for r in claude.requests), key=len)
    assert tools == [[], [{"type": "web_search_20260318", "name": "web_search", "max_uses": 2,
                           "allowed_domains": ["docs.python.org"]}]]



async def test_sources_follow_their_text_across_split_messages(slack, claude, make_bot):
    pages = [f"https://example.com/page{n}" for n in range(4)]
    paragraph = "words " * 700  # 4,200 characters
    script = [search("many", [(f"Page {n}", url) for n, url in enumerate(pages)])]
    for n, url in enumerate(pages):
        script += [Say(f"\n\n{paragraph}Fact {n}."),
                   Say(f" Cited {n}.", [web_citation(url, f"Page {n}", f"fact {n}")])]
    claude.default = Reply(text="", script=script, chunk_chars=400)
    await make_bot(**TOOLS)
    await ask(slack)
    await answered(slack)
    messages = slack.bot_messages()
    assert len(messages) >= 2
    listed = []
    for message in messages:
        body = body_of(message)
        cited = re.findall(r"\[\[(\d)\]\]", body)
        sources = [t for t in contexts(message) if t.startswith("*Sources*")]
        assert sources == ([] if not cited else sources)
        listed.append(re.findall(r"^(\d)\. ", sources[0], re.M) if sources else [])
        assert listed[-1] == list(dict.fromkeys(cited))  # its own sources, in order
        assert sum(len(str(b)) for b in message["blocks"]) < 12_500
    assert sum(listed, []) == ["1", "2", "3", "4"]
    assert progress_of(messages[0]).startswith("🔎")
    assert all("🔎" not in str(contexts(m)) for m in messages[1:])
