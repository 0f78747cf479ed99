"""`python -m bot [socket|http]`: load .env, check the settings, run until SIGTERM/SIGINT.

Settings are checked before the heavy imports (Bolt, the SDKs), so a mistake is reported at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from dotenv import find_dotenv, load_dotenv

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.policy.live import LivePolicy
from bot.policy.rules import PolicyError

log = logging.getLogger("bot")
# (Without SLACK_CLIENT_SECRET in the environment Bolt also never sets up an OAuth flow of its
# own beside a bot token: slack_bolt AsyncApp reads SLACK_CLIENT_ID/SECRET when given none.)
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
                    "ANTHROPIC_API_KEY", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET",
                    "SLACK_TOKEN_KEY")
MODES = ("socket", "http")
USAGE = "usage: python -m bot [socket | http | sandbox | usage …]"


async def run(settings: Settings, policy: LivePolicy) -> None:
    from bot.app import create_bot  # heavy: only once the settings are known to be good

    bot = await create_bot(settings, policy)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, policy.reload, True)  # re-read the policy now
    stopping = asyncio.ensure_future(stop.wait())
    starting = asyncio.ensure_future(bot.start())
    try:
        # A signal while Slack or Claude is slow to answer at start ends the start too.
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # a StartupError stops the bot here
            await stopping
        log.info("shutting down")
    finally:
        starting.cancel()
        stopping.cancel()
        await bot.stop()


def main(argv: list[str]) -> int:
    if argv[:1] == ["usage"]:
        from bot.ledger import report

        return report.main(argv[1:])
    if "-h" in argv or "--help" in argv:  # says what there is; starts nothing
        from bot.help import bot_help, sandbox_help

        print(sandbox_help() if argv[:1] == ["sandbox"] else bot_help(), end="")
        return 0
    if argv[:1] == ["sandbox"]:  # the local sandbox: bot/sandbox/run.py
        from bot.sandbox.run import main as sandbox

        return sandbox()
    mode = argv[0] if argv else None
    if mode not in (None, *MODES) or len(argv) > 1:
        print(USAGE, file=sys.stderr)
        return 2
    load_dotenv(find_dotenv(usecwd=True))  # the .env of the directory the bot runs in
    try:
        settings = load_settings(mode=mode)
    except ConfigError as error:
        print(error.lines(), file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.secrets(), settings.log_format)
    try:
        policy = LivePolicy(settings)
    except PolicyError as error:
        print(f"Policy error: {error}", file=sys.stderr)
        return 2
    for name in SECRET_VARIABLES:  # from here on secrets live in `settings` only
        os.environ.pop(name, None)
    from bot.startup import StartupError

    try:
        asyncio.run(run(settings, policy))
    except StartupError as error:
        print(f"Startup error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
