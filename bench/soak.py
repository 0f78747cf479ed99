"""`python -m bench.soak`: 1,000 conversations through the real bot process and the project's
servers with faults injected: 10 % of edits answered 429, 5 % of Claude requests 529,
2 % of streams broken by a mid-stream error, and the WebSocket dropped half-way. Prints what
completed, the notices shown, duplicates (bot messages beyond one per thread, once the
placeholders of answers posted anew are deleted) and stuck placeholders (both must be 0) and the
bot's peak memory. Not part of CI: it takes a couple of minutes."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import time
from collections import Counter

from bench.conversations import TIDY_WITHIN, process_usage, start_bot
from bench.markdown import markdown_table
from bot.devserver.claude import ClaudeServer, Reply
from bot.devserver.slack import SlackServer
from tests.e2e.helpers import footer_of, notices_of

TEAMS = 10  # conversations are spread over ten workspaces, each with its own budget


def chaotic_claude(rng: random.Random):
    def reply(_body: dict) -> Reply:
        draw = rng.random()
        if draw < 0.05:  # overloaded before the stream: the SDK retries it
            return Reply(http_status=529, retry_after=0.01)
        if draw < 0.07:
            return Reply(text="A stream that breaks. " * 10, chunk_chars=10, delay=0.005,
                         error_after=60)
        return Reply(text="A steady answer. " * 12, chunk_chars=12, delay=0.005)
    return reply


async def soak(conversations: int, concurrency: int) -> dict:
    rng = random.Random(1)
    async with SlackServer() as slack, ClaudeServer() as claude:
        claude.responder = chaotic_claude(rng)
        slack.fail_randomly("chat.update", 0.10, retry_after=1)
        bot = await start_bot(slack, claude, SLACK_UPDATES_PER_MINUTE="600",
                              SLACK_UPDATE_INTERVAL="0.5", CLAUDE_IDLE_TIMEOUT="10")
        started = time.monotonic()
        gate = asyncio.Semaphore(concurrency)
        done = asyncio.Event()

        def finished() -> int:
            return sum(1 for m in slack.bot_messages() if footer_of(m) or notices_of(m))

        async def converse(n: int) -> None:
            async with gate:
                message = slack.add_message(f"C{n:05d}", user="U0ALICE",
                                            text=f"<@UBOT> question {n}")
                await slack.send_event({"type": "app_mention", "channel": f"C{n:05d}",
                                        "user": "U0ALICE", "text": message["text"],
                                        "ts": message["ts"]}, team_id=f"T{n % TEAMS:03d}")
                channel = f"C{n:05d}"
                await slack.wait_for(lambda: any(footer_of(m) for m in slack.bot_messages(
                    channel)), timeout=120, what=f"answer {n}")

        async def drop_half_way() -> None:
            await slack.wait_for(lambda: finished() >= conversations // 2, timeout=600)
            await slack.drop_connections()
            done.set()

        dropper = asyncio.create_task(drop_half_way())
        results = await asyncio.gather(*(converse(n) for n in range(conversations)),
                                       return_exceptions=True)
        with contextlib.suppress(AssertionError):  # placeholders of answers posted anew go
            await slack.wait_for(lambda: slack.count_bot_messages() <= conversations,
                                 timeout=TIDY_WITHIN)
        _cpu, peak = process_usage(bot.pid)
        wall = time.monotonic() - started
        bot.terminate()
        await bot.wait()
        dropper.cancel()
    notices = Counter(n.split(":")[1] for m in slack.bot_messages() for n in notices_of(m))
    updates = slack.calls_to("chat.update")
    return {
        "conversations": conversations,
        "completed": sum(1 for m in slack.bot_messages() if footer_of(m)),
        "failed waits": sum(1 for r in results if isinstance(r, BaseException)),
        "notices": dict(notices),
        "duplicates": sum(max(0, len(slack.bot_messages(f"C{n:05d}")) - 1)
                          for n in range(conversations)),
        "stuck placeholders": sum(1 for m in slack.bot_messages() if "Thinking" in m["text"]),
        "edits": len(updates),
        "429s received": sum(1 for c in updates if c.status == 429),
        "claude 529s": sum(1 for r in claude.requests if r.status == 529),
        "websocket connections": slack.connections_total,
        "bot peak RSS MB": round(peak),
        "wall s": round(wall),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    figures = asyncio.run(soak(args.conversations, args.concurrency))
    print(markdown_table(list(figures), [figures.values()]))


if __name__ == "__main__":
    main()
