"""The answer loop over Claude segments against the Claude test server, with the real SDK:
pause_turn continuations (last message, usage summed, capped), client tool rounds, progress
steps and citations."""

from __future__ import annotations

from bot.claude_loop import MAX_CONTINUATIONS, MAX_TOOL_ROUNDS, ToolHooks, answer_loop
from bot.devserver.claude import Reply
from bot.devserver.claude_script import Call, Say, fetch, run_code, search, web_citation
from bot.tools.choice import ToolChoice
from bot.tools.definitions import server_tools

ASK = [{"role": "user", "content": "what changed?"}]
TOOLS = server_tools(ToolChoice(("web_search", "web_fetch")))
REQUEST = {"model": "claude-sonnet-5-5", "max_tokens": 1000, "system": "s", "idle_timeout": 5}
URL = "https://docs.python.org/3/whatsnew"




async def test_a_paused_turn_goes_on_in_the_same_answer_with_usage_summed(server, client):
    server.enqueue(
        Reply(text="", script=[search("q1", [("A", URL)]), Call("web_search", {"query": "q2"})],
              stop_reason="pause_turn", input_tokens=100, output_tokens=10),
        Reply(text="Done.", input_tokens=300, output_tokens=20))
    text, steps = [], []
    result = await answer_loop(client, messages=ASK, tools=TOOLS,
                               hooks=ToolHooks(on_steps=steps.append), on_text=text.append,
                               **REQUEST)
    assert "".join(text) == "Done." and result.stop_reason == "end_turn"
    assert (result.usage.input_tokens, result.usage.output_tokens) == (400, 30)
    continued = server.requests[-1].body["messages"]
    assert continued[-1]["role"] == "assistant"  # the paused content, last, no new user turn
    assert continued[-1]["content"][-1]["type"] == "server_tool_use"
    assert {s.subject for s in result.steps} == {"q1", "q2"}
    assert server.requests[-1].body["tools"] == TOOLS


async def test_continuations_stop_after_five(server, client):
    server.default = Reply(text="", script=[search("q", [("A", URL)])],
                           stop_reason="pause_turn")
    result = await answer_loop(client, messages=ASK, tools=TOOLS, hooks=ToolHooks(),
                               on_text=lambda _t: None, **REQUEST)
    assert len(server.requests) == 1 + MAX_CONTINUATIONS and result.stop_reason == "pause_turn"
    assert all(r.status == 200 for r in server.requests)
    last = server.requests[-1].body["messages"]
    assert [m["role"] for m in last] == ["user", "assistant"]  # one assistant turn, growing
    assert len(last[-1]["content"]) == 2 * MAX_CONTINUATIONS


async def test_cited_text_is_followed_by_its_sources(server, client):
    server.enqueue(Reply(text="", script=[
        search("typing", [("What's new", URL)]), fetch(URL, "What's new"),
        Say("Python changed. "),
        Say("Annotations are lazy.", [web_citation(URL, "What's new", "lazy")]),
        Say(" More.")]))
    pieces: list[str] = []
    hooks = ToolHooks(on_cite=lambda sources: pieces.append(f"<{sources[0].url}>"))
    result = await answer_loop(client, messages=ASK, tools=TOOLS, hooks=hooks,
                               on_text=pieces.append, **REQUEST)
    assert "".join(pieces) == f"Python changed. Annotations are lazy.<{URL}> More."
    assert [(s.tool, s.status, s.count) for s in result.steps] == [
        ("web_search", "complete", 1), ("web_fetch", "complete", None)]
    assert result.usage.web_searches == 1


async def test_client_tools_run_and_their_results_go_back(server, client):
    server.enqueue(Reply(text="", script=[Call("search_slack", {"query": "x"}, kind="tool_use")],
                         stop_reason="tool_use"), Reply(text="Found it."))

    async def run(calls, _watch):
        return [{"type": "tool_result", "tool_use_id": c.id, "content": "hit"} for c in calls]

    result = await answer_loop(client, messages=ASK, tools=TOOLS,
                               hooks=ToolHooks(run_client_tools=run), on_text=lambda _t: None,
                               **REQUEST)
    assert result.stop_reason == "end_turn"
    [step] = result.steps
    assert (step.tool, step.status, step.subject) == ("slack_search", "complete", "x")
    assert server.requests[-1].body["messages"][-1]["content"][0]["type"] == "tool_result"


async def test_tool_rounds_are_capped(server, client):
    server.default = Reply(text="", script=[Call("search_slack", {"query": "x"},
                                                 kind="tool_use")], stop_reason="tool_use")

    async def run(calls, _watch):
        return [{"type": "tool_result", "tool_use_id": c.id, "content": "hit"} for c in calls]

    result = await answer_loop(client, messages=ASK, tools=TOOLS,
                               hooks=ToolHooks(run_client_tools=run), on_text=lambda _t: None,
                               **REQUEST)
    assert result.tool_rounds_exhausted and len(server.requests) == MAX_TOOL_ROUNDS + 1


async def test_a_fetched_pages_citation_links_the_page(server, client):
    cited = {"type": "char_location", "cited_text": "Page text.", "document_index": 0,
             "document_title": "Docs", "start_char_index": 0, "end_char_index": 10}
    server.enqueue(Reply(text="", script=[fetch(URL, "Docs"), Say("It says so.", [cited])]))
    found = []
    await answer_loop(client, messages=ASK, tools=TOOLS, hooks=ToolHooks(on_cite=found.append),
                      on_text=lambda _t: None, **REQUEST)
    assert [(s.url, s.title) for s in found[0]] == [(URL, "Docs")]


async def test_a_paused_code_run_goes_on_in_the_same_container(server, client):
    server.enqueue(Reply(text="", script=[run_code("step 1")], stop_reason="pause_turn"),
                   Reply(text="Done."))
    tools = server_tools(ToolChoice(("code_execution",)))
    await answer_loop(client, messages=ASK, tools=tools, hooks=ToolHooks(),
                      on_text=lambda _t: None, **REQUEST)
    first, second = server.requests
    assert "container" not in first.body
    assert second.body["container"].startswith("container_011C")
