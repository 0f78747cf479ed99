"""Start-up: how long a fresh `python -m bot` process takes to import the bot, and to be
connected to Slack (Socket Mode, against the project's servers) from its first instruction.
Wall time and the process's CPU time, median of a few runs: a busy machine stretches the wall
time, the CPU time much less."""

from __future__ import annotations

import asyncio
import resource
import statistics
import sys
import time
from dataclasses import dataclass

from bench.conversations import start_bot
from bench.markdown import markdown_table
from bot.devserver.claude import ClaudeServer
from bot.devserver.slack import SlackServer

RUNS = 5


@dataclass
class Timing:
    what: str
    wall: float  # seconds, median
    cpu: float  # seconds of user + system CPU, median


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def _command(*args: str) -> tuple[float, float]:
    cpu, started = _children_cpu(), time.monotonic()
    process = await asyncio.create_subprocess_exec(sys.executable, *args,
                                                   stdout=asyncio.subprocess.DEVNULL)
    assert await process.wait() == 0, args
    return time.monotonic() - started, _children_cpu() - cpu


async def _connected() -> tuple[float, float]:
    """`python -m bot` from exec until the Slack server holds its Socket Mode connection."""
    async with SlackServer() as slack, ClaudeServer() as claude:
        cpu, started = _children_cpu(), time.monotonic()
        process = await start_bot(slack, claude)
        wall = time.monotonic() - started
        process.terminate()
        await process.wait()
        return wall, _children_cpu() - cpu  # CPU includes its shutdown: a little high


async def _median(what: str, measure, runs: int) -> Timing:
    samples = [await measure() for _ in range(runs)]
    return Timing(what, statistics.median(s[0] for s in samples),
                  statistics.median(s[1] for s in samples))


async def run(runs: int = RUNS) -> list[Timing]:
    return [
        await _median("`python -m bot --help` (settings only)",
                      lambda: _command("-m", "bot", "--help"), runs),
        await _median("`import bot.app` (everything an answer needs)",
                      lambda: _command("-c", "import bot.app"), runs),
        await _median("`python -m bot` → connected to Slack", _connected, runs),
    ]


def table(timings: list[Timing]) -> str:
    return markdown_table(["a fresh process", "wall (median)", "CPU (median)"],
                          ([t.what, f"{t.wall:.2f} s", f"{t.cpu:.2f} s"] for t in timings))


if __name__ == "__main__":
    print(table(asyncio.run(run())))
