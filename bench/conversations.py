"""N simultaneous mentions through the real bot process and the project's test servers,
measured on the servers' side (one clock): the streaming figures."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass

from bot.devserver.claude import ClaudeServer, Reply
from bot.devserver.slack import SlackServer
from tests.conftest import bot_env
from tests.e2e.helpers import body_of, footer_of


@dataclass
class Figures:
    conversations: int
    completed: int
    placeholder_p50: float
    placeholder_p95: float
    first_edit_p50: float
    final_edit_p50: float
    final_edit_p95: float
    max_updates_60s: int
    ratelimited: int
    cpu_seconds: float
    peak_mb: float
    wall_seconds: float


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
              budget: int = 50, interval: float = 1.0, **settings: str) -> Figures:
    """Answer `conversations` simultaneous mentions (one channel each) at a realistic cadence:
    `chars`-character answers streamed at `tokens_per_second` (a token ≈ 4 characters).
    `settings`: more of the bot's environment (e.g. CLAUDE_POLICY)."""
    text = ("Streaming answers arrive a few words at a time, and the bot edits one "
            "message as they come. " * (chars // 90 + 1))[:chars]
    async with SlackServer() as slack, ClaudeServer() as claude:
        claude.default = Reply(text=text, chunk_chars=4, delay=1 / tokens_per_second,
                               input_tokens=800, output_tokens=chars // 4)
        bot = await start_bot(slack, claude, SLACK_UPDATES_PER_MINUTE=str(budget),
                              SLACK_UPDATE_INTERVAL=str(interval), **settings)
        try:
            cpu_before, _ = process_usage(bot.pid)
            started = asyncio.get_running_loop().time()
            mentions = await asyncio.gather(*(
                slack.user_message(f"C{n:04d}", "U0ALICE", f"<@UBOT> question {n}",
                                   events=("app_mention",)) for n in range(conversations)))
            done = lambda: sum(1 for m in slack.bot_messages() if footer_of(m))  # noqa: E731
            await slack.wait_for(lambda: done() >= conversations,
                                 timeout=60 + conversations * 3, what="every answer")
            wall = asyncio.get_running_loop().time() - started
            cpu_after, peak = process_usage(bot.pid)
        finally:
            bot.terminate()
            await bot.wait()
        return measure(slack, claude, mentions, wall, cpu_after - cpu_before, peak)


def measure(slack: SlackServer, claude: ClaudeServer, mentions: list[dict], wall: float,
            cpu: float, peak: float) -> Figures:
    placeholders, first_edits, finals = [], [], []
    request_of = {r.body["messages"][-1]["content"][-1]["text"].rsplit(" ", 1)[-1]: r.request_id
                  for r in claude.requests if r.status == 200}
    for n, mention in enumerate(mentions):
        sent = slack.events_sent[mention["_envelopes"][0]]
        channel = f"C{n:04d}"
        posts = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == channel]
        placeholders.append(posts[0].at - sent)
        edits = [c for c in slack.calls_to("chat.update")
                 if c.params["channel"] == channel and c.status == 200]
        rid = request_of[str(n)]
        shown = [c.at for c in edits if body_of(c.params)]
        if shown and claude.first_delta_at(rid):
            first_edits.append(shown[0] - claude.first_delta_at(rid))
        final = [c.at for c in edits if footer_of(c.params)]
        if final and claude.last_event_at(rid):
            finals.append(final[-1] - claude.last_event_at(rid))
    updates = slack.calls_to("chat.update")
    return Figures(
        conversations=len(mentions),
        completed=sum(1 for m in slack.bot_messages() if footer_of(m)),
        placeholder_p50=statistics.median(placeholders),
        placeholder_p95=percentile(placeholders, 95),
        first_edit_p50=statistics.median(first_edits),
        final_edit_p50=statistics.median(finals),
        final_edit_p95=percentile(finals, 95),
        max_updates_60s=max_in_window([c.at for c in updates if c.status == 200]),
        ratelimited=sum(1 for c in updates if c.status == 429),
        cpu_seconds=cpu, peak_mb=peak, wall_seconds=wall)
