"""The Claude test double's server tools, exercised with the real anthropic SDK: tool
definitions and continuations refused as the real API refuses them, scripted tool streams in
the real event order, and the Files API."""

from __future__ import annotations

import anthropic
import pytest

from bot.devserver.claude import Reply
from bot.devserver.claude_script import Say, fetch, run_code, search, web_citation

MODEL = "claude-sonnet-5-5"
ASK = [{"role": "user", "content": "what changed?"}]
SEARCH = {"type": "web_search_20260318", "name": "web_search", "max_uses": 5}
FETCH = {"type": "web_fetch_20260318", "name": "web_fetch", "citations": {"enabled": True}}




async def _refused(client, **request) -> str:
    with pytest.raises(anthropic.BadRequestError) as caught:
        await client.messages.create(model=MODEL, max_tokens=100, **request)
    return caught.value.message


async def test_unknown_tool_type_and_both_domain_lists_are_refused(client):
    unknown = await _refused(client, messages=ASK, tools=[
        {"type": "web_search_20990101", "name": "web_search"}])
    assert "web_search_20990101" in unknown and "does not match" in unknown
    both = await _refused(client, messages=ASK, tools=[
        {**SEARCH, "allowed_domains": ["a.com"], "blocked_domains": ["b.com"]}])
    assert "Cannot specify both allowed_domains and blocked_domains" in both
    assert "max_uses" in await _refused(client, messages=ASK, tools=[{**SEARCH, "max_uses": 0}])
    assert "citations" in await _refused(client, messages=ASK, tools=[
        {**SEARCH, "citations": {"enabled": True}}])


async def test_a_paused_turn_continues_only_as_the_last_message(client):
    paused = {"role": "assistant", "content": [
        {"type": "server_tool_use", "id": "srvtoolu_01A", "name": "web_search",
         "input": {"query": "q"}}]}
    await client.messages.create(model=MODEL, max_tokens=100, tools=[SEARCH],
                                 messages=[*ASK, paused])  # continued: accepted
    message = await _refused(client, tools=[SEARCH], messages=[
        *ASK, paused, {"role": "user", "content": "and?"}])
    assert ("web_search tool use with id srvtoolu_01A was found without a corresponding "
            "web_search_tool_result block") in message


async def test_a_client_tool_use_needs_its_result_next(client):
    tool = {"name": "search_slack", "description": "d",
            "input_schema": {"type": "object", "properties": {}}}
    asked = {"role": "assistant", "content": [
        {"type": "tool_use", "id": "toolu_01A", "name": "search_slack", "input": {}}]}
    message = await _refused(client, tools=[tool], messages=[
        *ASK, asked, {"role": "user", "content": "more"}])
    assert "toolu_01A" in message and "tool_result" in message
    await client.messages.create(model=MODEL, max_tokens=100, tools=[tool], messages=[
        *ASK, asked, {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "none"}]}])


async def test_a_scripted_tool_stream_reads_back_through_the_sdk(server, client):
    url = "https://docs.python.org/3.14/whatsnew"
    file_id = server.add_file("plot.png", b"\x89PNG\r\n\x1a\n", "image/png")
    server.enqueue(Reply(text="", script=[
        search("python 3.14 typing", [("What's new", url)]),
        search("again", error="max_uses_exceeded"),
        fetch(url, "What's new"),
        Say("Typing changed. "),
        Say("Annotations are lazy.", [web_citation(url, "What's new", "lazy annotations")]),
        run_code("python plot.py", (file_id,)),
    ]))
    events = []
    async with client.messages.stream(model=MODEL, max_tokens=100, messages=ASK,
                                      tools=[SEARCH, FETCH]) as stream:
        async for event in stream:
            events.append(event)
        final = await stream.get_final_message()
    kinds = [b.type for b in final.content]
    assert kinds == ["server_tool_use", "web_search_tool_result", "server_tool_use",
                     "web_search_tool_result", "server_tool_use", "web_fetch_tool_result",
                     "text", "text", "server_tool_use", "bash_code_execution_tool_result"]
    assert final.content[0].input == {"query": "python 3.14 typing"}
    assert final.content[1].content[0].url == url
    assert final.content[3].content.error_code == "max_uses_exceeded"
    assert final.content[5].content.url == url
    cited = final.content[7]
    assert cited.citations[0].url == url and cited.text == "Annotations are lazy."
    assert final.content[9].content.content[0].file_id == file_id
    assert final.usage.server_tool_use.web_search_requests == 1
    assert final.usage.server_tool_use.web_fetch_requests == 1
    # The cited block's citation arrives before its text.
    kinds = [(e.type, e.delta.type) for e in events if e.type == "content_block_delta"]
    citation_at = kinds.index(("content_block_delta", "citations_delta"))
    assert kinds[citation_at + 1] == ("content_block_delta", "text_delta")
    # ... and the whole answer goes back as a continuation without complaint.
    await client.messages.create(model=MODEL, max_tokens=100, tools=[SEARCH, FETCH], messages=[
        *ASK, {"role": "assistant",
               "content": [b.to_dict(exclude_none=True) for b in final.content]}])


async def test_files_api_gives_name_and_bytes(server, client):
    file_id = server.add_file("chart.png", b"\x89PNG\r\n\x1a\nDATA", "image/png")
    meta = await client.files.retrieve_metadata(file_id)
    assert (meta.filename, meta.size_bytes, meta.mime_type) == ("chart.png", 12, "image/png")
    assert await (await client.files.download(file_id)).read() == b"\x89PNG\r\n\x1a\nDATA"
    with pytest.raises(anthropic.NotFoundError):
        await client.files.download("file_011Cmissing")
    kept = server.add_file("input.csv", b"a,b", "text/csv", downloadable=False)
    with pytest.raises(anthropic.BadRequestError):
        await client.files.download(kept)
