"""Many workspaces through Slack's OAuth install, end to end: the real bot in HTTP mode with
Bolt's install flow, installed from its own /slack/install page into the Slack double (which
plays the consent page and oauth.v2.access), then answering signed events of each installation
with that installation's token; uninstalled or unknown workspaces get nothing."""

import asyncio
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from cryptography.fernet import Fernet

from tests.e2e.helpers import answered, body_of, ledger_rows
from tests.e2e.processes import start_bot_process, stop_bot
from tests.e2e.test_http_mode import SECRET, free_port, signed
from tests.e2e.test_run_command import one_line_exit, run_bot

CLIENT_ID, CLIENT_SECRET = "1111.2222", "client-s3cret"
TOKEN_KEY = Fernet.generate_key().decode()


@dataclass
class OAuthBot:
    bot: object
    base: str  # http://127.0.0.1:PORT

    async def get(self, path: str, **headers: str) -> tuple[int, str, dict]:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http, \
                http.get(self.base + path, headers=headers, allow_redirects=False) as response:
            return response.status, await response.text(), dict(response.headers)

    async def post_event(self, payload: dict) -> int:
        body = json.dumps(payload)
        async with aiohttp.ClientSession() as http, http.post(
                self.base + "/slack/events", data=body, headers=signed(body)) as response:
            return response.status

    async def post_command(self, form: dict) -> int:
        body = urlencode(form)
        headers = {**signed(body), "Content-Type": "application/x-www-form-urlencoded"}
        async with aiohttp.ClientSession() as http, http.post(
                self.base + "/slack/events", data=body, headers=headers) as response:
            return response.status


@pytest.fixture
async def oauth_bot(slack, claude, make_bot, tmp_path) -> OAuthBot:
    slack.distribute(CLIENT_ID, CLIENT_SECRET)
    port = free_port()
    policy = tmp_path / "policy.toml"  # one workspace lets only Bob ask
    policy.write_text('[team.T0LOCKED.access]\nusers = ["U0BOB"]\n')
    bot = await make_bot(CLAUDE_POLICY=str(policy), SLACK_BOT_TOKEN=None, SLACK_APP_TOKEN=None,
                         SLACK_SIGNING_SECRET=SECRET, PORT=str(port), SLACK_CLIENT_ID=CLIENT_ID,
                         SLACK_CLIENT_SECRET=CLIENT_SECRET, SLACK_STATE_SECRET="state-s3cret",
                         SLACK_TOKEN_KEY=TOKEN_KEY)
    return OAuthBot(bot, f"http://127.0.0.1:{port}")


async def install(oauth_bot: OAuthBot, slack, team_id: str | None, **grid):
    """A person opens the bot's install page, follows "Add to Slack", allows the app on
    Slack's consent page, and comes back to the bot's redirect URL."""
    status, page, headers = await oauth_bot.get("/slack/install")
    assert status == 200 and "Add to Slack" in page
    link = re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page).group(1).replace("&amp;",
                                                                                      "&")
    query = parse_qs(urlsplit(link).query)
    assert query["client_id"] == [CLIENT_ID] and "chat:write" in query["scope"][0].split(",")
    cookie = headers["Set-Cookie"].split(";")[0]  # the state cookie Bolt checks on return
    code = slack.approve(team_id, **grid)
    status, _, _ = await oauth_bot.get(
        f"/slack/oauth_redirect?code={code}&state={query['state'][0]}", Cookie=cookie)
    assert status == 200
    [installed] = [i for i in slack.installs.values() if i.team_id == team_id
                   and i.enterprise_id == grid.get("enterprise_id")]
    return installed


async def mention(oauth_bot: OAuthBot, slack, installed, channel: str, team_id=None) -> dict:
    text = f"<@{installed.bot_user_id}> hello from {channel}"
    message = slack.add_message(channel, user="U0ALICE", text=text)
    payload = slack.event_payload({"type": "app_mention", "user": "U0ALICE", "text": text,
                                   "ts": message["ts"], "channel": channel}, installed,
                                  team_id=team_id)
    assert await oauth_bot.post_event(payload) == 200
    return message


async def until_removed(store, team_id: str) -> None:
    deadline = asyncio.get_running_loop().time() + 5
    while await store.async_find_bot(enterprise_id=None, team_id=team_id) is not None:
        assert asyncio.get_running_loop().time() < deadline, f"{team_id} was not removed"
        await asyncio.sleep(0.02)


def tokens_used(slack, channel: str) -> set[str]:
    return {c.token for c in slack.calls if c.params.get("channel") == channel}


async def test_two_workspaces_each_answered_with_its_own_token(oauth_bot, slack, claude,
                                                               tmp_path):
    first = await install(oauth_bot, slack, "T0FIRST")
    second = await install(oauth_bot, slack, "T0SECOND")
    await mention(oauth_bot, slack, first, "C0FIRST")
    await mention(oauth_bot, slack, second, "C0SECOND")
    [one] = await answered(slack, "C0FIRST")
    [two] = await answered(slack, "C0SECOND")
    assert body_of(one) == body_of(two) == "Hello from the test Claude."
    assert (one["bot_id"], two["bot_id"]) == (first.bot_id, second.bot_id)
    assert tokens_used(slack, "C0FIRST") == {first.token}
    assert tokens_used(slack, "C0SECOND") == {second.token}
    assert slack.calls_to("auth.test") and all(  # only the install flow's own auth.test
        c.token in (first.token, second.token) for c in slack.calls_to("auth.test"))
    assert len(slack.calls_to("auth.test")) == 2  # no auth.test per event
    for request in claude.requests:  # each workspace's own bot mention was taken out
        assert "<@UBOT" not in json.dumps(request.body["messages"])
    rows = {row.channel: row.team for row in await ledger_rows(oauth_bot.bot)}
    assert rows == {"C0FIRST": "T0FIRST", "C0SECOND": "T0SECOND"}
    raw = (tmp_path / "usage.sqlite3").read_bytes()
    assert first.token.encode() not in raw and second.token.encode() not in raw
    assert b"xoxb-" not in raw


async def test_an_uninstalled_or_unknown_workspace_gets_no_answer_and_no_call(oauth_bot,
                                                                               slack):
    gone = await install(oauth_bot, slack, "T0GONE")
    revoked = await install(oauth_bot, slack, "T0REVOKED")
    stays = await install(oauth_bot, slack, "T0STAYS")
    assert await oauth_bot.post_event(slack.event_payload({"type": "app_uninstalled"}, gone)) \
        == 200
    assert await oauth_bot.post_event(slack.event_payload(
        {"type": "tokens_revoked", "tokens": {"bot": [revoked.bot_user_id]}}, revoked)) == 200
    slack.uninstall(gone.token)
    slack.uninstall(revoked.token)
    for team in ("T0GONE", "T0REVOKED"):  # Bolt's listeners run after the event is acknowledged
        await until_removed(oauth_bot.bot.installs, team)
    before = len(slack.calls)
    await mention(oauth_bot, slack, gone, "C0GONE")
    await mention(oauth_bot, slack, revoked, "C0REVOKED")
    stranger = slack.approve("T0STRANGER")  # allowed on Slack, never came back to the bot
    assert stranger
    await mention(oauth_bot, slack, stays, "C0STAYS")
    await answered(slack, "C0STAYS")
    await oauth_bot.bot.inflight.wait()
    later = slack.calls[before:]
    assert {c.token for c in later} == {stays.token}  # no call with a removed token
    assert not slack.bot_messages("C0GONE") and not slack.bot_messages("C0REVOKED")


async def test_an_org_wide_install_answers_every_workspace_of_the_organisation(oauth_bot,
                                                                                slack):
    org = await install(oauth_bot, slack, None, enterprise_id="E0ORG", org_wide=True)
    await mention(oauth_bot, slack, org, "C0SALES", team_id="T0SALES")
    await mention(oauth_bot, slack, org, "C0ENG", team_id="T0ENG")
    await answered(slack, "C0SALES")
    await answered(slack, "C0ENG")
    assert tokens_used(slack, "C0SALES") == tokens_used(slack, "C0ENG") == {org.token}
    rows = {row.channel: row.team for row in await ledger_rows(oauth_bot.bot)}
    assert rows == {"C0SALES": "E0ORG", "C0ENG": "E0ORG"}  # one installation's budgets


async def test_a_team_table_of_the_policy_applies_to_that_workspace_only(oauth_bot, slack):
    open_ = await install(oauth_bot, slack, "T0OPEN")
    locked = await install(oauth_bot, slack, "T0LOCKED")
    await mention(oauth_bot, slack, open_, "C0OPEN")
    await mention(oauth_bot, slack, locked, "C0LOCKED")
    await answered(slack, "C0OPEN")
    await slack.wait_for(lambda: slack.ephemerals, what="the refusal")
    await oauth_bot.bot.inflight.wait()
    [refusal] = slack.calls_to("chat.postEphemeral")
    assert (refusal.token, refusal.params["channel"]) == (locked.token, "C0LOCKED")
    assert not slack.bot_messages("C0LOCKED")
    rows = {(row.team, row.outcome) for row in await ledger_rows(oauth_bot.bot)}
    assert rows == {("T0OPEN", "answered"), ("T0LOCKED", "refused")}


async def test_claude_in_any_workspace_of_an_org_wide_install_is_the_organisations(oauth_bot,
                                                                                  slack):
    org = await install(oauth_bot, slack, None, enterprise_id="E0ORG", org_wide=True)
    form = {"team_id": "T0SALES", "enterprise_id": "E0ORG", "is_enterprise_install": "true",
            "channel_id": "C0SALES", "user_id": "U0ALICE", "user_name": "alice",
            "command": "/claude", "text": "what is new?", "api_app_id": slack.app_id,
            "response_url": f"{slack.origin}/response/T0SALES/1/x", "trigger_id": "1.2.3"}
    assert await oauth_bot.post_command(form) == 200
    await answered(slack, "C0SALES")
    await oauth_bot.bot.inflight.wait()
    assert tokens_used(slack, "C0SALES") == {org.token}
    assert [row.team for row in await ledger_rows(oauth_bot.bot)] == ["E0ORG"]


async def test_a_feedback_click_is_stored_and_thanked_with_that_workspaces_token(oauth_bot,
                                                                                slack):
    installed = await install(oauth_bot, slack, "T0ONE")
    await mention(oauth_bot, slack, installed, "C0ONE")
    [reply] = await answered(slack, "C0ONE")
    await oauth_bot.bot.inflight.wait()
    status = await slack.click_feedback("C0ONE", reply["ts"], "U0ALICE", "positive",
                                        http=(oauth_bot.base + "/slack/events", SECRET),
                                        user_team="T0ONE")
    assert status == 200
    await slack.wait_for(lambda: slack.ephemerals, what="the thanks")
    [thanks] = slack.calls_to("chat.postEphemeral")
    assert thanks.token == installed.token
    await oauth_bot.bot.inflight.wait()
    [row] = await ledger_rows(oauth_bot.bot)
    assert (row.team, row.feedback) == ("T0ONE", "positive")


async def test_a_bot_token_keeps_python_m_bot_on_one_workspace_beside_oauth_settings(
        slack, claude, tmp_path):
    """Bolt would set up an OAuth flow of its own from SLACK_CLIENT_ID/SECRET in the
    environment; with a bot token the bot stays the one workspace's, as before."""
    process = await start_bot_process(slack, claude, tmp_path, SLACK_CLIENT_ID=CLIENT_ID,
                                      SLACK_CLIENT_SECRET=CLIENT_SECRET)
    try:
        await slack.wait_connected(1, timeout=30)
        await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> hello")
        await answered(slack)
    finally:
        logged = await stop_bot(process)
    assert tokens_used(slack, "C0GENERAL") == {slack.bot_token}
    assert "Traceback" not in logged


async def test_a_click_in_a_workspace_of_an_org_wide_install_is_the_organisations(oauth_bot,
                                                                                  slack):
    org = await install(oauth_bot, slack, None, enterprise_id="E0ORG", org_wide=True)
    await mention(oauth_bot, slack, org, "C0SALES", team_id="T0SALES")
    [reply] = await answered(slack, "C0SALES")
    await oauth_bot.bot.inflight.wait()
    slack.enterprise_id, slack.org_wide = "E0ORG", True  # clicks now come as Grid sends them
    status = await slack.click_feedback("C0SALES", reply["ts"], "U0ALICE", "negative",
                                        http=(oauth_bot.base + "/slack/events", SECRET),
                                        user_team="T0SALES")
    assert status == 200
    await slack.wait_for(lambda: slack.ephemerals, what="the thanks")
    assert {c.token for c in slack.calls_to("chat.postEphemeral")} == {org.token}
    await oauth_bot.bot.inflight.wait()
    [row] = await ledger_rows(oauth_bot.bot)
    assert (row.team, row.feedback) == ("E0ORG", "negative")


async def test_a_redirect_without_the_installers_state_installs_nothing(oauth_bot, slack):
    status, _, headers = await oauth_bot.get("/slack/install")
    cookie = headers["Set-Cookie"].split(";")[0]
    for query, sent in (("state=forged", cookie), ("state=" + cookie.split("=", 1)[1], "")):
        code = slack.approve("T0VICTIM")
        status, page, _ = await oauth_bot.get(f"/slack/oauth_redirect?code={code}&{query}",
                                              **({"Cookie": sent} if sent else {}))
        assert status == 400 and "Traceback" not in page
    assert slack.calls_to("oauth.v2.access") == [] and slack.installs == {}


async def test_an_invalid_token_key_stops_python_m_bot_with_one_line(tmp_path):
    env = {"ANTHROPIC_API_KEY": "sk-ant-x", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET,
           "SLACK_STATE_SECRET": "s", "SLACK_TOKEN_KEY": "not-a-fernet-key"}
    line = await one_line_exit(await run_bot(tmp_path, env), 2)
    assert line.startswith("Configuration error: SLACK_TOKEN_KEY is not a Fernet key")
