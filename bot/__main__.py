"""`python -m bot`: load .env, check the settings, run until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from dotenv import find_dotenv, load_dotenv

from bot.app import StartupError, create_bot
from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging

log = logging.getLogger("bot")
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
                    "ANTHROPIC_API_KEY")


async def run(settings: Settings) -> None:
    bot = await create_bot(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await bot.start()
        await stop.wait()
        log.info("shutting down")
    finally:
        await bot.stop()


def main() -> int:
    if sys.argv[1:2] == ["sandbox"]:  # the local sandbox: bot/sandbox/run.py
        from bot.sandbox.run import main as sandbox
        return sandbox()
    load_dotenv(find_dotenv(usecwd=True))  # the .env of the directory the bot runs in
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.secrets())
    for name in SECRET_VARIABLES:  # from here on secrets live in `settings` only
        os.environ.pop(name, None)
    try:
        asyncio.run(run(settings))
    except StartupError as error:
        print(f"Startup error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
