"""Installations kept in the ledger's database (SQLite or PostgreSQL, the `installations` table
its migrations create), behind slack-sdk's async installation-store interface, which Bolt's
OAuth flow saves to and its uninstall listeners delete from. Tokens are never stored in clear:
each installation is one Fernet token (SLACK_TOKEN_KEY) holding slack-sdk's own record of it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ledger.schema import installations

log = logging.getLogger(__name__)


def _key(enterprise_id: str | None, team_id: str | None,
         is_enterprise_install: bool | None) -> tuple[str, str]:
    """The row of an installation: an org-wide one is the organisation's, whatever team a
    request came from."""
    return enterprise_id or "", "" if is_enterprise_install else team_id or ""


class SqlInstallationStore(AsyncInstallationStore):
    def __init__(self, engine: AsyncEngine | None, token_key: str):
        self.engine = engine
        self.fernet = Fernet(token_key)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        """A new install, or a re-install (new scopes, new token): the latest one is kept."""
        enterprise, team = _key(installation.enterprise_id, installation.team_id,
                                installation.is_enterprise_install)
        record = json.dumps(installation.to_dict_for_copying(), default=_plain)
        async with self.engine.begin() as conn:
            await conn.execute(delete(installations).where(_is(enterprise, team)))
            await conn.execute(installations.insert().values(
                enterprise_id=enterprise, team_id=team,
                org_wide=bool(installation.is_enterprise_install),
                installed_at=datetime.now(UTC),
                sealed=self.fernet.encrypt(record.encode()).decode()))

    async def async_save_bot(self, bot: Bot) -> None:
        raise NotImplementedError("installations are saved whole (async_save)")

    async def async_find_installation(self, *, enterprise_id: str | None,
                                      team_id: str | None, user_id: str | None = None,
                                      is_enterprise_install: bool | None = False,
                                      ) -> Installation | None:
        if user_id is not None:
            return None  # only the bot's installation is kept, never a person's token
        async with self.engine.connect() as conn:
            found = (await conn.execute(select(installations.c.sealed).where(
                _is(*_key(enterprise_id, team_id, is_enterprise_install))))).scalar()
        if found is None:
            return None
        try:
            return Installation(**json.loads(self.fernet.decrypt(found.encode())))
        except InvalidToken:
            log.error("a stored installation cannot be decrypted with SLACK_TOKEN_KEY (was the "
                      "key changed?): the workspace must install the app again")
            return None

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        found = await self.async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id,
            is_enterprise_install=is_enterprise_install)
        return found.to_bot() if found is not None and found.bot_token else None

    async def async_delete_bot(self, *, enterprise_id: str | None,
                               team_id: str | None) -> None:
        await self._delete(enterprise_id, team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None,
                                        team_id: str | None, user_id: str | None = None) -> None:
        if user_id is None:  # a person's revoked token: none is kept
            await self._delete(enterprise_id, team_id)

    async def _delete(self, enterprise_id: str | None, team_id: str | None) -> None:
        """An org-wide install is named by its organisation alone (no team: Bolt's context)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(installations).where(
                _is(enterprise_id or "", team_id or "")))
        log.info("removed %s installation(s) of %s", result.rowcount, enterprise_id or team_id)


def _is(enterprise: str, team: str):
    return and_(installations.c.enterprise_id == enterprise, installations.c.team_id == team)


def _plain(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")
