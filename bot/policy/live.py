"""The policy in force: read at start (an invalid file stops the bot), re-read when the file
changes and on SIGHUP; an invalid new version is logged and the previous one kept."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os

from bot.config import Settings
from bot.policy.rules import Policy, PolicyError, parse_policy, read_policy
from bot.tools.mcp import undeclared
from bot.tools.names import tools_problem

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0  # how often the file is looked at for changes


class LivePolicy:
    def __init__(self, settings: Settings, current: Policy | None = None) -> None:
        self.settings = settings
        self.path = settings.claude_policy
        self._seen: bytes | None = None  # digest of the last version read, valid or not
        if current is None:
            current = Policy() if self.path is None else self._read_at_start()
            if self.path is None:
                log.info("no policy file (CLAUDE_POLICY unset, no policy.toml here): everyone "
                         "may ask, without limits")
            else:  # the full path: "policy.toml here" depends on where the bot was started
                log.info("policy loaded from %s", os.path.abspath(self.path))
        self.current = self._checked(current)
        self._task: asyncio.Task | None = None

    def _read_at_start(self) -> Policy:
        try:
            raw = self._read()
        except OSError:  # says which file is missing or unreadable, and the fix
            return read_policy(self.path, self.settings.claude_model, self.settings.claude_prices)
        self._seen = hashlib.sha256(raw).digest()
        return parse_policy(raw, self.path, self.settings.claude_model,
                            self.settings.claude_prices)

    def _read(self) -> bytes:
        with open(self.path, "rb") as file:
            return file.read()

    def reload(self, asked: bool = False) -> bool:
        """Re-read the file if its content changed (`asked`, as on SIGHUP: even if not); True
        when the version read took effect."""
        if self.path is None:
            return False
        try:
            raw = self._read()
        except OSError as error:
            if self._seen is not None:
                log.warning("policy file %s cannot be read (%s): keeping the previous policy",
                            self.path, error.strerror)
                self._seen = None
            return False
        digest = hashlib.sha256(raw).digest()
        if digest == self._seen and not asked:
            return False
        self._seen = digest
        try:
            policy = self._checked(parse_policy(raw, self.path, self.settings.claude_model,
                                                self.settings.claude_prices))
        except PolicyError as error:
            log.error("policy not reloaded, the previous one stays in force: %s", error)
            return False
        self.current = policy
        log.info("policy reloaded from %s%s", self.path, " (SIGHUP)" if asked else "")
        return True

    def _checked(self, policy: Policy) -> Policy:
        """CLAUDE_TOOLS may name only the MCP servers the policy declares."""
        if (name := undeclared(self.settings.claude_tools, policy.mcp)) is not None:
            raise PolicyError(tools_problem("CLAUDE_TOOLS", name, policy.mcp))
        return policy

    async def _watch(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.reload()

    def start(self, interval: float = CHECK_SECONDS) -> None:
        if self.path is not None and self._task is None:
            self._task = asyncio.create_task(self._watch(interval), name="policy watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
