"""N simultaneous mentions through the real bot process and the project's test servers,
measured on the servers' side (one clock): the streaming figures."""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass

from bench.delivery import answer_visible, by_channel, ratelimited, sign_of_work, threads_of
from bot.devserver.claude import ClaudeServer, Reply
from bot.devserver.slack import SlackServer
from tests.conftest import bot_env
from tests.e2e.helpers import body_of, footer_of

TIDY_WITHIN = 300.0  # seconds after the last answer: every thread holds one message by then


@dataclass
class Figures:
    conversations: int
    completed: int
    placeholder_p50: float  # event → first sign of work: the placeholder, or the thread status
    placeholder_p95: float
    first_edit_p50: float
    final_edit_p50: float  # Claude's last event → the whole answer visible (edited or posted)
    final_edit_p95: float
    max_updates_60s: int
    ratelimited: int  # 429s of every method
    cpu_seconds: float
    peak_mb: float
    wall_seconds: float
    tidy_seconds: float | None = None  # last stream's end → one bot message in every thread
    statuses: int = 0  # answers that showed the thread status instead of a placeholder
    posted_anew: int = 0  # placeholders deleted: their answer was posted as a new message
    servers_lag_p95: float = 0.0  # how late the servers' own event loop ran (it times calls)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def max_in_window(times: list[float], window: float = 60.0) -> int:
    times, best, start = sorted(times), 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def process_usage(pid: int) -> tuple[float, float]:
    """CPU seconds and peak resident memory (MB) of a live process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as f:
        peak_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return cpu, peak_kb / 1024


async def start_bot(slack: SlackServer, claude: ClaudeServer, **settings: str):
    """The bot in its own process; its usage ledger in a fresh temporary directory unless
    DATABASE_URL is given."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "ANTHROPIC_", "CLAUDE_", "DATABASE_URL"))}
    ledger = f"sqlite:///{tempfile.mkdtemp(prefix='bench-ledger-')}/usage.sqlite3"
    env.update(bot_env(slack, claude, LOG_LEVEL="WARNING",
                       **{"DATABASE_URL": ledger, **settings}))
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", env=env)
    await slack.wait_connected(timeout=120)  # a busy machine imports slowly
    return process


async def run(conversations: int, *, chars: int = 1500, tokens_per_second: float = 40,
              budget: int = 50, interval: float = 1.0, over: float = 0.0,
              **settings: str) -> Figures:
    """Answer `conversations` mentions (one channel each, asked within `over` seconds) at a
    realistic cadence: `chars`-character answers streamed at `tokens_per_second` (a token ≈ 4
    characters). Then wait until every thread holds one bot message (at most TIDY_WITHIN
    seconds). `settings`: more of the bot's environment (e.g. CLAUDE_POLICY)."""
    text = ("Streaming answers arrive a few words at a time, and the bot edits one "
            "message as they come. " * (chars // 90 + 1))[:chars]
    async with SlackServer() as slack, ClaudeServer() as claude:
        claude.default = Reply(text=text, chunk_chars=4, delay=1 / tokens_per_second,
                               input_tokens=800, output_tokens=chars // 4)
        bot = await start_bot(slack, claude, SLACK_UPDATES_PER_MINUTE=str(budget),
                              SLACK_UPDATE_INTERVAL=str(interval), **settings)
        loop = asyncio.get_running_loop()
        lags: list[float] = []
        lagging = asyncio.create_task(loop_lag(lags))
        try:
            cpu_before, _ = process_usage(bot.pid)
            started = loop.time()

            async def ask(n: int) -> dict:
                await asyncio.sleep(over * n / conversations)
                return await slack.user_message(f"C{n:04d}", "U0ALICE", f"<@UBOT> question {n}",
                                                events=("app_mention",))
            mentions = await asyncio.gather(*(ask(n) for n in range(conversations)))
            await slack.wait_for(lambda: slack.count_bot_messages(footer_of) >= conversations,
                                 timeout=60 + over + conversations * 3, what="every answer")
            wall = loop.time() - started
            tidy = None
            with contextlib.suppress(AssertionError):
                await slack.wait_for(lambda: slack.count_bot_messages() == conversations,
                                     timeout=TIDY_WITHIN, what="one message in every thread")
                tidy = loop.time()
            cpu_after, peak = process_usage(bot.pid)
        finally:
            lagging.cancel()
            bot.terminate()
            await bot.wait()
        figures = measure(slack, claude, mentions, wall, cpu_after - cpu_before, peak)
        figures.servers_lag_p95 = percentile(lags, 95)
        if tidy is not None:
            figures.tidy_seconds = max(0.0, tidy - max(
                claude.last_event_at(r.request_id) or 0 for r in claude.requests))
        return figures


async def loop_lag(lags: list[float], every: float = 0.1) -> None:
    """How late this process's event loop wakes up: the servers time every call by it, so a
    busy loop (the shared machine, thousands of stream events a second) shows in the figures."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(every)
        lags.append(loop.time() - before - every)


def measure(slack: SlackServer, claude: ClaudeServer, mentions: list[dict], wall: float,
            cpu: float, peak: float) -> Figures:
    threads = threads_of(slack, claude, mentions, [f"C{n:04d}" for n in range(len(mentions))])
    calls = by_channel(slack)
    signs = [s for t in threads if (s := sign_of_work(calls, t)) is not None]
    visible = [v for t in threads if (v := answer_visible(calls, claude, t)) is not None]
    first_edits = []
    for thread in threads:
        shown = [c.at for c in calls[thread.channel]
                 if c.method == "chat.update" and body_of(c.params)]
        first_delta = claude.first_delta_at(thread.request_id) if thread.request_id else None
        if shown and first_delta:
            first_edits.append(shown[0] - first_delta)
    updates = [c.at for c in slack.calls_to("chat.update") if c.status == 200]
    return Figures(
        conversations=len(mentions),
        completed=slack.count_bot_messages(footer_of),
        placeholder_p50=statistics.median(signs),
        placeholder_p95=percentile(signs, 95),
        first_edit_p50=statistics.median(first_edits) if first_edits else float("nan"),
        final_edit_p50=statistics.median(visible),
        final_edit_p95=percentile(visible, 95),
        max_updates_60s=max_in_window(updates),
        ratelimited=sum(ratelimited(slack).values()),
        cpu_seconds=cpu, peak_mb=peak, wall_seconds=wall,
        statuses=len({c.params.get("thread_ts") for c in
                      slack.calls_to("assistant.threads.setStatus")}),
        posted_anew=len(slack.calls_to("chat.delete")))
