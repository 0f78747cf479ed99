"""Tool choice, wording, citations and cost (pure)."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.footer import Usage, cost_usd, footer_text
from bot.policy.decide import answer_settings
from bot.policy.rules import PolicyError, parse_policy
from bot.reply.citations import SOURCES_ROOM, SourceBook, strip_markers
from bot.tools.calls import Source
from bot.tools.choice import ToolChoice, WebRules
from bot.tools.definitions import server_tools
from bot.tools.progress import Step, footer_counts, progress_lines

ENV = {"SLACK_BOT_TOKEN": "xoxb-1", "ANTHROPIC_API_KEY": "k", "SLACK_APP_TOKEN": "xapp-1"}
MODEL = "claude-sonnet-5-5"


def test_claude_tools_names_are_checked_in_one_line():
    assert load_settings({**ENV, "CLAUDE_TOOLS": " web_search, web_fetch,web_search"}
                         ).claude_tools == ("web_search", "web_fetch")
    assert load_settings(ENV).claude_tools == ()
    with pytest.raises(ConfigError) as caught:
        load_settings({**ENV, "CLAUDE_TOOLS": "web_search,browser"})
    assert str(caught.value) == (
        "CLAUDE_TOOLS: 'browser' is not a tool; the tools are web_search, web_fetch, "
        "code_execution, slack_search, mcp:NAME.")


@pytest.mark.parametrize(("toml", "problem"), [
    ('tools = ["web_serch"]', "p.toml: `tools`: 'web_serch' is not a tool; the tools are"),
    ('[channel.C123]\ntools = ["x"]', "p.toml: `channel.C123.tools`: 'x' is not a tool"),
    ('tools = "web_search"', "p.toml: `tools` must be a list of tool names"),
    ('[web]\nallowed_domains = ["a.com"]\nblocked_domains = ["b.com"]',
     "p.toml: `web` has both allowed_domains and blocked_domains: keep one."),
    ("[web]\nmax_uses = 0", "p.toml: `web.max_uses` must be a whole number of at least 1"),
    ("[web]\nmax_use = 3", "p.toml: `web.max_use` is not a known key: did you mean "
                           "`web.max_uses`?"),
])
def test_policy_tool_keys_are_checked(toml, problem):
    with pytest.raises(PolicyError) as caught:
        parse_policy(toml.encode(), "p.toml", MODEL)
    assert str(caught.value).startswith(problem)
    assert "\n" not in str(caught.value)


def test_a_channels_tools_replace_the_top_level_list_which_replaces_claude_tools():
    settings = load_settings({**ENV, "CLAUDE_TOOLS": "code_execution"})
    policy = parse_policy(b'tools = ["web_search"]\n[web]\nblocked_domains = ["x.com"]\n'
                          b'[channel.C0QUIET]\ntools = []\n', "p.toml", MODEL)
    assert answer_settings(policy, settings, "C0QUIET").tools.names == ()
    chosen = answer_settings(policy, settings, "C0OTHER").tools
    assert chosen == ToolChoice(("web_search",), WebRules(blocked_domains=("x.com",)))
    assert server_tools(chosen) == [{"type": "web_search_20260318", "name": "web_search",
                                     "max_uses": 5, "blocked_domains": ["x.com"]}]
    bare = parse_policy(b"", "p.toml", MODEL)
    assert answer_settings(bare, settings, "C1").tools.names == ("code_execution",)


def test_progress_lines_and_their_collapse():
    steps = [Step("a", "web_search", "q", "complete", 5), Step("b", "web_fetch", "e.com/x",
                                                              "error", reason="page not "
                                                                               "reachable"),
             Step("c", "code_execution"), Step("d", "slack_search", "plans", "complete", 1),
             Step("e", "mcp", "linear: search_issues", "complete")]
    assert progress_lines(steps) == [
        '🔎 searching the web for "q" — done, 5 results',
        "📄 reading e.com/x — failed: page not reachable",
        "⚙️ running code …",
        '💬 searching Slack for "plans" — done, 1 result',
        "🔧 linear: search_issues — done"]
    steps.append(Step("f", "web_search", "again"))
    assert progress_lines(steps) == ["🔎 2 searches · 📄 1 page · ⚙️ 1 code run · "
                                     "💬 1 Slack search · 🔧 1 tool call"]
    assert footer_counts(steps[:2]) == "1 search · 1 fetch"
    assert footer_counts([]) is None


def test_the_thread_status_says_what_the_running_call_does():
    assert Step("1", "web_search", "python typing").doing == \
        'is searching the web for "python typing"'
    assert Step("2", "web_fetch", "docs.python.org/3/").doing == "is reading docs.python.org/3/"
    assert Step("3", "code_execution").doing == "is running code"
    assert Step("4", "mcp", "wiki: lookup").doing == "is using wiki: lookup"
    assert Step("5", "tool").doing == "is using a tool"


def test_one_number_per_source_and_each_message_lists_its_own():
    book = SourceBook()
    a, b = Source("https://a.com/x (y)", "A"), Source("https://b.com/", "")
    first = "One." + book.markers([a]) + " Two." + book.markers([b, a])
    assert first == ("One.[[1]](https://a.com/x%20%28y%29) Two.[[2]](https://b.com/)"
                     "[[1]](https://a.com/x%20%28y%29)")
    assert book.listed(first) == ("*Sources*\n1. <https://a.com/x (y)|A>\n"
                                  "2. <https://b.com/|b.com>")
    later = "Three." + book.markers([b])
    assert book.listed(later) == "*Sources*\n2. <https://b.com/|b.com>"
    assert book.listed("no citations") is None
    assert strip_markers(first) == "One. Two."
    many = SourceBook()
    text = many.markers(Source(f"https://e.com/{n}", "t" * 100) for n in range(40))
    assert len(many.listed(text)) <= SOURCES_ROOM and many.listed(text).endswith("…")


def test_searches_cost_ten_dollars_a_thousand_and_show_in_the_footer():
    usage = Usage(input_tokens=1000, output_tokens=100, web_searches=2)
    assert cost_usd(MODEL, usage) == pytest.approx(0.002 + 0.001 + 0.02)
    assert cost_usd(MODEL, usage, {MODEL: {"input": 2, "output": 10, "web_search": 5}}) == \
        pytest.approx(0.013)
    assert footer_text(MODEL, usage, 1.0, tools="2 searches") == (
        "`claude-sonnet-5-5` · 1,000 in · 100 out · $0.0230 · 2 searches · 1.0 s")
    assert (usage + usage).web_searches == 4
