"""Tool progress through the real bot process: N simultaneous answers whose Claude stream runs a
web search (2 s) and a fetch before its text. Measured on the servers' side (one clock): from
`server_tool_use` starting in Claude's stream to the first Slack call that shows the call's
progress line (a `context` block in edit mode, a `task_update` chunk in native mode) — and the
first that shows the call either there or in the thread status (`assistant.threads.setStatus`,
used while the progress line's edit must wait) — and the Slack calls each tool call adds
(compared with the same answers without tools, taking as long)."""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass

from bench.conversations import percentile, start_bot
from bench.markdown import markdown_table
from bot.devserver.claude import ClaudeServer, Reply
from bot.devserver.claude_script import Say, fetch, search
from bot.devserver.slack import SlackServer
from tests.e2e.helpers import footer_of

URL = "https://docs.python.org/3/whatsnew/"
SEARCH_SECONDS = 2.0
WRITES = ("chat.postMessage", "chat.update", "chat.startStream", "chat.appendStream",
          "chat.stopStream", "assistant.threads.setStatus")
TEXT = "The answer streams a few words at a time after the tools ran. " * 12


@dataclass
class Figures:
    mode: str
    budget: int
    conversations: int
    completed: int
    progress_p50: float
    progress_p95: float
    visible_p50: float  # the progress line or the thread status
    visible_p95: float
    extra_calls_per_tool_call: float


def _shows_status(call) -> bool:
    return (call.method == "assistant.threads.setStatus"
            and "searching the web" in call.params.get("status", ""))


def _shows_progress(call) -> bool:
    if call.method in ("chat.appendStream", "chat.stopStream"):
        return any(c.get("type") == "task_update" for c in call.params.get("chunks") or ())
    blocks = call.params.get("blocks") or []
    return any(b.get("type") == "context" and "🔎" in str(b) for b in blocks)


async def _answer_all(n: int, reply: Reply, **env: str) -> tuple[SlackServer, ClaudeServer,
                                                                  list[dict]]:
    slack, claude = SlackServer(), ClaudeServer()
    await slack.start()
    await claude.start()
    claude.default = reply
    bot = await start_bot(slack, claude, **env)
    try:
        mentions = await asyncio.gather(*(
            slack.user_message(f"C{i:04d}", "U0ALICE", f"<@UBOT> question {i}",
                               events=("app_mention",)) for i in range(n)))
        await slack.wait_for(lambda: sum(1 for m in slack.bot_messages() if footer_of(m)) >= n,
                             timeout=120 + n * 3, what="every answer")
    finally:
        bot.terminate()
        await bot.wait()
        await slack.stop()
        await claude.stop()
    return slack, claude, mentions


async def run(n: int, mode: str = "edit", budget: int = 50) -> Figures:
    """`budget`: SLACK_UPDATES_PER_MINUTE (one workspace's edit budget is shared by all)."""
    env = {"SLACK_STREAMING": mode, "SLACK_UPDATES_PER_MINUTE": str(budget),
           "SLACK_UPDATE_INTERVAL": "1.0"}  # the default (the test servers' env sets less)
    script = [search("python typing", [("What's New", URL)], delay=SEARCH_SECONDS),
              fetch(URL, "What's New"), Say("Cited first words. ")]
    slack, claude, mentions = await _answer_all(
        n, Reply(text=TEXT, script=script, chunk_chars=8, delay=0.05),
        CLAUDE_TOOLS="web_search,web_fetch", **env)
    request_of = {r.body["messages"][-1]["content"][-1]["text"].rsplit(" ", 1)[-1]: r.request_id
                  for r in claude.requests if r.status == 200}
    waits, visible = [], []
    for i in range(len(mentions)):
        started = claude.block_started_at(request_of[str(i)], "server_tool_use")
        mine = [c for c in slack.calls if c.status == 200 and f"C{i:04d}" in (
            c.params.get("channel"), c.params.get("channel_id"))]
        lines = [c.at for c in mine if _shows_progress(c)]
        either = [c.at for c in mine if _shows_progress(c) or _shows_status(c)]
        if started is not None and lines:
            waits.append(lines[0] - started)
        if started is not None and either:
            visible.append(either[0] - started)
    with_tools = sum(1 for c in slack.calls if c.method in WRITES)
    completed = sum(1 for m in slack.bot_messages() if footer_of(m))
    # The same answers without tools, starting their text as late.
    base, _, _ = await _answer_all(n, Reply(text=TEXT, chunk_chars=8, delay=0.05,
                                            first_delay=SEARCH_SECONDS), **env)
    without = sum(1 for c in base.calls if c.method in WRITES)
    return Figures(mode, budget, n, completed, _median(waits), percentile(waits, 95),
                   _median(visible), percentile(visible, 95), (with_tools - without) / (2 * n))


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(rows: list[Figures]) -> str:
    return markdown_table(
        ["mode", "edit budget / min", "answers at once", "completed",
         "server_tool_use → progress line visible p50 / p95", "line or thread status p50 / p95",
         "extra Slack calls per tool call"],
        ([f.mode, f.budget, f.conversations, f.completed,
          f"{f.progress_p50 * 1000:.0f} ms / {f.progress_p95 * 1000:.0f} ms",
          f"{f.visible_p50 * 1000:.0f} ms / {f.visible_p95 * 1000:.0f} ms",
          f"{f.extra_calls_per_tool_call:+.2f}"] for f in rows))


async def main() -> None:
    rows = []
    # The last case: an edit budget that is no limit, as when 50 answers are spread over
    # many workspaces; it shows the bot's own delay.
    for mode, n, budget in (("edit", 1, 50), ("edit", 50, 50), ("native", 1, 50),
                            ("native", 50, 50), ("edit", 50, 3000)):
        rows.append(await run(n, mode, budget))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    print(table(rows))


if __name__ == "__main__":
    asyncio.run(main())
