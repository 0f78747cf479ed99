"""The installation store on the ledger's real databases (SQLite and PostgreSQL): slack-sdk's
interface, one row per installation, tokens encrypted at rest."""

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import select

from bot.installs.store import SqlInstallationStore
from bot.ledger import Ledger
from bot.ledger.schema import installations

KEY = Fernet.generate_key().decode()


def workspace(team: str, token: str, **more) -> Installation:
    return Installation(app_id="A0APP", team_id=team, bot_token=token, bot_id="B1",
                        bot_user_id="U0BOT", bot_scopes="chat:write", user_id="U0ADMIN", **more)


async def test_save_find_reinstall_and_delete(database_url):
    ledger = await Ledger.open(database_url, 400)  # its migrations create the table
    store = SqlInstallationStore(ledger.engine, KEY)
    await store.async_save(workspace("T1", "xoxb-first-1"))
    await store.async_save(workspace("T1", "xoxb-again-2"))  # a re-install replaces it
    await store.async_save(Installation(
        app_id="A0APP", enterprise_id="E1", team_id=None, bot_token="xoxb-org-3", bot_id="B2",
        bot_user_id="U0ORGBOT", user_id="U0ADMIN", is_enterprise_install=True))

    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert (bot.bot_token, bot.bot_user_id, bot.team_id) == ("xoxb-again-2", "U0BOT", "T1")
    org = await store.async_find_bot(enterprise_id="E1", team_id="T9",
                                     is_enterprise_install=True)  # any team of the org
    assert (org.bot_token, org.enterprise_id, org.is_enterprise_install) == (
        "xoxb-org-3", "E1", True)
    assert await store.async_find_bot(enterprise_id=None, team_id="T2") is None
    assert await store.async_find_installation(enterprise_id=None, team_id="T1",
                                               user_id="U0ADMIN") is None  # no person's token

    async with ledger.engine.connect() as conn:
        stored = (await conn.execute(select(installations))).all()
    assert len(stored) == 2
    assert not any("xoxb-" in str(value) for row in stored for value in row)

    other = SqlInstallationStore(ledger.engine, Fernet.generate_key().decode())
    assert await other.async_find_bot(enterprise_id=None, team_id="T1") is None  # wrong key

    await store.async_delete_installation(enterprise_id=None, team_id="T1", user_id="U0ADMIN")
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is not None
    await store.async_delete_all(enterprise_id=None, team_id="T1")
    await store.async_delete_bot(enterprise_id="E1", team_id=None)
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None
    assert await store.async_find_bot(enterprise_id="E1", team_id=None,
                                      is_enterprise_install=True) is None
    await ledger.close()
