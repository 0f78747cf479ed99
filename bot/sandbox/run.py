"""`python -m bot sandbox`: the whole product on this machine, with no Slack workspace.

The local Slack workspace (bot/sandbox/workspace.py), the real bot built by `create_bot` with
the settings `python -m bot` would read here — except that Slack is the local workspace — and
the page (bot/sandbox/web.py). Claude is the real API when ANTHROPIC_API_KEY is set, else the
offline stand-in (bot/sandbox/standin.py). Everything listens on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
from collections.abc import Mapping

from dotenv import find_dotenv, load_dotenv

from bot.app import Bot, StartupError, create_bot
from bot.config import PLACEHOLDERS, ConfigError, Settings, load_settings
from bot.devserver.claude import ClaudeServer
from bot.logs import setup_logging
from bot.policy.rules import PolicyError
from bot.sandbox.standin import ANSWER_SECONDS, standin_server
from bot.sandbox.web import Page
from bot.sandbox.workspace import Workspace

# Settings that would reach a real Slack workspace (or open a port to the network) are replaced
# or left out; every other setting is read as the bot reads it.
SLACK_CONNECTION = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
                    "SLACK_API_URL", "METRICS_PORT", "PORT")
GRACE_SECONDS = 3.0  # then 5 s to mark the rest interrupted: the sandbox ends within 10 s


class Sandbox:
    def __init__(self, env: Mapping[str, str], *, port: int | None = None,
                 answer_seconds: float = ANSWER_SECONDS, set_up_logging: bool = False) -> None:
        self.env = dict(env)
        self.port = port  # None: SANDBOX_PORT
        self.answer_seconds = answer_seconds
        self.set_up_logging = set_up_logging
        self.workspace = Workspace()
        self.standin: ClaudeServer | None = None
        self.settings: Settings | None = None
        self.bot: Bot | None = None
        self.page: Page | None = None
        self._base_url: str | None = None

    @property
    def offline(self) -> bool:
        """No key, or .env.example's placeholder (a copied .env): the offline stand-in."""
        return self._key() in ("", PLACEHOLDERS["ANTHROPIC_API_KEY"])

    def _key(self) -> str:
        return (self.env.get("ANTHROPIC_API_KEY") or "").strip()

    def claude_label(self) -> str:
        """How Claude is reached, as the page and the start-up line say it."""
        if not self.offline:
            return f"Claude API · {self.settings.claude_model}"
        why = ("ANTHROPIC_API_KEY is still .env.example's placeholder" if self._key()
               else "ANTHROPIC_API_KEY is not set")
        return f"Offline stand-in: no Claude model is asked ({why})"

    async def start(self) -> None:
        await self.workspace.start()
        env = {k: v for k, v in self.env.items() if k not in SLACK_CONNECTION}
        env.update(SLACK_BOT_TOKEN=self.workspace.bot_token,
                   SLACK_APP_TOKEN=self.workspace.app_token, SLACK_API_URL=self.workspace.api_url)
        if self.offline:
            self.standin = standin_server(self.answer_seconds)
            await self.standin.start()
            env["ANTHROPIC_API_KEY"] = self.standin.api_key
            self._base_url = os.environ.get("ANTHROPIC_BASE_URL")
            os.environ["ANTHROPIC_BASE_URL"] = self.standin.base_url  # the SDK reads it
        settings = load_settings(env)
        self.settings = dataclasses.replace(settings, shutdown_grace_seconds=min(
            settings.shutdown_grace_seconds, GRACE_SECONDS))
        if self.set_up_logging:
            setup_logging(settings.log_level, settings.secrets(), settings.log_format)
        self.workspace.command = settings.slack_command
        self.bot = await create_bot(self.settings)
        await self.bot.start()
        await self.workspace.wait_connected()
        self.page = Page(self.workspace, {"offline": self.offline, "label": self.claude_label()})
        await self.page.start(self.settings.sandbox_port if self.port is None else self.port)

    async def stop(self) -> None:
        # The bot first: the page stays up to show the answers it finishes or marks interrupted.
        if self.bot is not None:
            await self.bot.stop()
        if self.page is not None:
            await self.page.stop()
        await self.workspace.stop()
        if self.standin is not None:
            await self.standin.stop()
            if self._base_url is None:
                os.environ.pop("ANTHROPIC_BASE_URL", None)
            else:
                os.environ["ANTHROPIC_BASE_URL"] = self._base_url

    async def __aenter__(self) -> Sandbox:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def _serve(sandbox: Sandbox) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with sandbox:
        secrets = set(sandbox.settings.secrets())
        for name in [k for k, v in os.environ.items() if v in secrets]:
            del os.environ[name]  # from here on secrets live in the settings only
        claude = ("the offline stand-in (set ANTHROPIC_API_KEY for the real Claude)"
                  if sandbox.offline else f"the Claude API ({sandbox.settings.claude_model})")
        print(f"Sandbox ready: open {sandbox.page.url} (Claude: {claude}). Ctrl-C stops it.",
              flush=True)
        await stop.wait()


def main() -> int:
    load_dotenv(find_dotenv(usecwd=True))  # the .env of the directory it runs in, as the bot
    sandbox = Sandbox(os.environ, set_up_logging=True)
    try:
        asyncio.run(_serve(sandbox))
    except ConfigError as error:
        print(error.lines(), file=sys.stderr)
        return 2
    except PolicyError as error:
        print(f"Policy error: {error}", file=sys.stderr)
        return 2
    except StartupError as error:
        print(f"Startup error: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # the page's port is taken
        port = sandbox.port or (sandbox.settings.sandbox_port if sandbox.settings else "?")
        reason = os.strerror(error.errno).lower() if error.errno else str(error)
        print(f"Startup error: the sandbox page cannot listen on 127.0.0.1:{port} ({reason}): "
              "set SANDBOX_PORT to a free port.", file=sys.stderr)
        return 1
    return 0
