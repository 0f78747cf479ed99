"""The company's tools end to end, in edit and native mode: Slack search as a client tool (its
results cited by permalink), its failures in plain words, the guards (guests, other
organisations, shared channels: the request simply has no such tool), and web fetch guarded
against addresses from company data."""

from __future__ import annotations

import json

import pytest

import bot.tools.slack_search as slack_search_module
from bot.devserver.claude import Reply
from bot.devserver.claude_script import Call, Say
from tests.e2e.company import ask, tool_names, tool_results
from tests.e2e.helpers import ledger_rows

MODES = pytest.mark.parametrize("streaming", ["edit", "native"])
QUESTION = "<@UBOT> what did we decide about the Q3 launch?"


def seed(slack) -> str:
    """A decision typed in #launch; its permalink."""
    slack.add_channel("C0LAUNCH", "launch")
    slack.add_user("U0ALICE", name="alice")
    said = slack.add_message("C0LAUNCH", user="U0ALICE",
                             text="We decided to move the Q3 launch to 14 October.")
    return slack.permalink("C0LAUNCH", said["ts"])


def search_then_cite(claude, query: str = "launch October") -> None:
    """Claude searches Slack, then answers citing the first result it was given (or says it
    could not search)."""
    def respond(body: dict) -> Reply:
        results = tool_results(body)
        if not results:
            return Reply(text="", stop_reason="tool_use", script=[
                Say("Let me look in Slack."),
                Call("search_slack", {"query": query}, kind="tool_use")])
        found = [b for b in results[-1].get("content") or [] if isinstance(b, dict)
                 and b.get("type") == "search_result"]
        if not found:
            return Reply(text="I could not search Slack just now.")
        hit = found[0]
        cited = {"type": "search_result_location", "source": hit["source"],
                 "title": hit["title"], "cited_text": hit["content"][0]["text"],
                 "search_result_index": 0, "start_block_index": 0, "end_block_index": 0}
        return Reply(text="", script=[Say("The launch moves to 14 October.", [cited])])
    claude.responder = respond


@MODES
async def test_slack_search_answers_with_cited_permalinks(slack, claude, make_bot, streaming):
    link = seed(slack)
    search_then_cite(claude)
    bot = await make_bot(CLAUDE_TOOLS="slack_search", SLACK_STREAMING=streaming)
    shown = await ask(slack, bot, QUESTION)
    first, second = claude.requests[-2:]
    assert tool_names(first.body) == ["search_slack"]
    assert "anthropic-beta" not in first.headers  # no MCP server: the GA API
    [search] = slack.calls_to("assistant.search.context")
    assert (search.params["query"], search.params["channel_types"],
            search.params["content_types"], search.params["limit"]) \
        == ("launch October", "public_channel", "messages", "10")
    assert "action_token" not in search.params  # the mention carried none
    [result] = tool_results(second.body)
    # Slack found the question too; the conversation's own thread is left out.
    assert len(search.response["results"]["messages"]) == 2
    [hit] = result["content"]
    assert hit["source"] == link and hit["citations"] == {"enabled": True}
    assert hit["title"].startswith("#launch · Alice · ")
    assert hit["content"] == [{"type": "text",
                               "text": "We decided to move the Q3 launch to 14 October."}]
    assert '💬 searching Slack for "launch October" — done, 1 result' in shown
    assert link in shown  # the cited sentence links the Slack message
    assert "Let me look in Slack.\n\nThe launch moves" in shown  # apart across the round
    [row] = await ledger_rows(bot)
    assert row.tool_calls == 1
    metrics = bot.deps.metrics.text().decode()
    assert 'claude_slack_tool_calls_total{outcome="ok",tool="slack_search"} 1.0' in metrics


async def test_the_events_action_token_goes_to_search(slack, claude, make_bot):
    seed(slack)
    search_then_cite(claude)
    bot = await make_bot(CLAUDE_TOOLS="slack_search")
    await ask(slack, bot, "what did we decide about the Q3 launch?", channel="D0ALICE",
              channel_type="im", action_token="at-12345")
    [search] = slack.calls_to("assistant.search.context")
    assert search.params["action_token"] == "at-12345"


FAILURES = {
    "missing_scope": "search:read.public permission",
    "not_allowed": "not allowed for this app or workspace",
    "ratelimited": "Slack's search limit was reached",
    "timeout": "took longer than",
}


@MODES
@pytest.mark.parametrize("failure", list(FAILURES))
async def test_a_failed_search_is_said_plainly_and_the_answer_goes_on(
        slack, claude, make_bot, monkeypatch, streaming, failure):
    seed(slack)
    search_then_cite(claude)
    if failure == "missing_scope":
        slack.missing_scopes.add("search:read.public")
    elif failure == "not_allowed":
        slack.search_enabled = False
    elif failure == "ratelimited":
        slack.fail_next("assistant.search.context", retry_after=30)
    else:
        monkeypatch.setattr(slack_search_module, "TIMEOUT", 0.2)
        slack.delay_next("assistant.search.context", 1.0)
    bot = await make_bot(CLAUDE_TOOLS="slack_search", SLACK_STREAMING=streaming)
    shown = await ask(slack, bot, QUESTION)
    [result] = tool_results(claude.requests[-1].body)
    assert result["is_error"] is True and FAILURES[failure] in result["content"]
    assert '💬 searching Slack for "launch October" — failed: ' in shown
    assert FAILURES[failure] in shown
    assert "I could not search Slack just now." in shown
    if failure == "ratelimited":  # the workspace's budget waits for Retry-After
        assert bot.deps.company.pacer.wait_needed("T0TEAM") > 20


GUARDS = {
    "guest": dict(user="U0GUEST"),
    "single-channel guest": dict(user="U0SINGLE"),
    "other organisation": dict(user_team="T0OTHER"),
    "shared channel": dict(shared=True),
}


@MODES
@pytest.mark.parametrize("guard", list(GUARDS))
async def test_company_tools_are_not_offered_past_the_guards(slack, claude, make_bot, tmp_path,
                                                             streaming, guard):
    seed(slack)
    slack.add_user("U0GUEST", is_restricted=True)
    slack.add_user("U0SINGLE", is_ultra_restricted=True)
    policy = tmp_path / "policy.toml"
    policy.write_text('tools = ["slack_search", "web_search"]\n'
                      "[access]\nexternal_users = true\nshared_channels = true\n")
    claude.default = Reply(text="Answered without company tools.")
    bot = await make_bot(CLAUDE_POLICY=str(policy), SLACK_STREAMING=streaming)
    where = {"user": "U0ALICE", **GUARDS[guard]}
    shown = await ask(slack, bot, QUESTION, **where)
    assert "Answered without company tools." in shown
    assert tool_names(claude.requests[-1].body) == ["web_search"]
    assert slack.calls_to("assistant.search.context") == []


async def test_a_person_is_looked_up_once_an_hour(slack, claude, make_bot):
    seed(slack)
    claude.default = Reply(text="Fine.")
    bot = await make_bot(CLAUDE_TOOLS="slack_search")
    for n in range(3):
        await ask(slack, bot, f"{QUESTION} ({n})", count=n + 1)
    assert [c.params["user"] for c in slack.calls_to("users.info")] == ["U0ALICE"]
    bot.deps.company.guests.clock = lambda: 1e12  # an hour later
    await ask(slack, bot, f"{QUESTION} (later)", count=4)
    assert len(slack.calls_to("users.info")) == 2


async def test_without_users_read_the_company_tools_are_withheld(slack, claude, make_bot):
    seed(slack)
    slack.missing_scopes.add("users:read")
    claude.default = Reply(text="Fine.")
    bot = await make_bot(CLAUDE_TOOLS="slack_search,web_search")
    await ask(slack, bot, QUESTION)
    assert tool_names(claude.requests[-1].body) == ["web_search"]


async def test_without_company_tools_nobody_is_looked_up(slack, claude, make_bot):
    claude.default = Reply(text="Fine.")
    bot = await make_bot(CLAUDE_TOOLS="web_search")
    await ask(slack, bot, QUESTION)
    assert slack.calls_to("users.info") == []


@pytest.mark.parametrize("follow", [False, True])
async def test_web_fetch_never_follows_company_data(slack, claude, make_bot, tmp_path, follow):
    policy = tmp_path / "policy.toml"
    policy.write_text('tools = ["slack_search", "web_search", "web_fetch"]\n'
                      + ("[web]\nfetch_tool_result_urls = true\n" if follow else ""))
    claude.default = Reply(text="Fine.")
    bot = await make_bot(CLAUDE_POLICY=str(policy))
    await ask(slack, bot, QUESTION)
    [fetch] = [t for t in claude.requests[-1].body["tools"] if t.get("name") == "web_fetch"]
    if follow:
        assert "url_sources" not in fetch
    else:
        assert fetch["url_sources"] == {
            "user_input": {"type": "all"}, "client_tool_results": {"type": "none"},
            "server_tool_results": {"type": "only", "tools": [
                {"type": "tool_reference", "name": "web_search"},
                {"type": "tool_reference", "name": "web_fetch"}]}}


async def test_web_fetch_alone_is_not_limited(slack, claude, make_bot):
    claude.default = Reply(text="Fine.")
    bot = await make_bot(CLAUDE_TOOLS="web_fetch")
    await ask(slack, bot, QUESTION)
    [fetch] = claude.requests[-1].body["tools"]
    assert "url_sources" not in fetch


@MODES
async def test_client_tool_rounds_stop_at_eight_with_a_notice(slack, claude, make_bot,
                                                              streaming):
    seed(slack)
    claude.responder = lambda body: Reply(text="", stop_reason="tool_use", script=[
        Call("search_slack", {"query": f"launch {len(tool_results(body))}"}, kind="tool_use")])
    bot = await make_bot(CLAUDE_TOOLS="slack_search", SLACK_STREAMING=streaming)
    shown = await ask(slack, bot, QUESTION)
    assert len(claude.requests) == 9 and len(slack.calls_to("assistant.search.context")) == 8
    if streaming == "edit":  # more than five lines collapse into one
        assert "💬 9 Slack searches" in shown
    else:  # one task card per call; the ninth was asked for, never run
        assert '"launch 8" — failed: not run: the answer ends here' in shown
    assert "Claude kept asking for tools" in shown
    assert json.dumps(claude.requests[-1].body).count('"tool_result"') == 8
