"""The offline stand-in's tools: when the request offers web search, web fetch or code
execution, it makes labelled fake calls first (a search with results, a page read, cited text,
a generated file), so progress lines, sources, files and the footer's counts can be tried
without a key. Nothing here reaches the internet: example.com addresses only."""

from __future__ import annotations

from bot.devserver.claude import ClaudeServer
from bot.devserver.claude_script import Say, fetch, run_code, search, web_citation

TOOL_SECONDS = 0.8  # how long each fake tool call runs, so its progress line is seen
PAGE = "https://example.com/offline-stand-in"
TITLE = "Offline stand-in page (not a real search result)"


def tool_script(server: ClaudeServer, body: dict, asked: str) -> list:
    offered = {tool.get("name") for tool in body.get("tools") or () if isinstance(tool, dict)}
    query = " ".join(asked.split())[:60] or "your question"
    script: list = []
    if "web_search" in offered:
        script.append(search(query, [(TITLE, PAGE), ("Another fake result",
                                                     "https://example.com/another")],
                             delay=TOOL_SECONDS))
    if "web_fetch" in offered:
        script.append(fetch(PAGE, TITLE, "Fake page text from the offline stand-in.",
                            delay=TOOL_SECONDS))
    if offered & {"web_search", "web_fetch"}:
        script += [Say("**Offline stand-in tools:** the search and page above are fake. "),
                   Say("This sentence cites the fake page.",
                       [web_citation(PAGE, TITLE, "Fake page text from the offline stand-in.")]),
                   Say("\n\n")]
    if "code_execution" in offered:
        made = server.add_file("offline-stand-in.txt", b"A file the offline stand-in made.\n",
                               "text/plain")
        script.append(run_code("echo 'offline stand-in' > offline-stand-in.txt", (made,),
                               stdout="offline stand-in", delay=TOOL_SECONDS))
    return script
