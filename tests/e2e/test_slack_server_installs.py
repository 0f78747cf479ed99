"""The Slack double's OAuth install, checked with the real slack-sdk client: `oauth.v2.access`
for a workspace and for a whole Enterprise Grid organisation, single-use codes, the app's
credentials, and a token per installation that stops working once revoked."""

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient


async def test_a_workspace_install_gives_that_workspace_its_own_bot_token(slack):
    slack.distribute("111.222", "s3cret")
    client = AsyncWebClient(base_url=slack.api_url)
    code = slack.approve("T0SECOND")
    granted = await client.oauth_v2_access(client_id="111.222", client_secret="s3cret", code=code)
    assert granted["token_type"] == "bot" and granted["access_token"].startswith("xoxb-")
    assert granted["team"]["id"] == "T0SECOND" and granted["is_enterprise_install"] is False
    assert "chat:write" in granted["scope"].split(",")

    with pytest.raises(SlackApiError, match="invalid_code"):  # a code is exchanged once
        await client.oauth_v2_access(client_id="111.222", client_secret="s3cret", code=code)
    for client_id, secret, error in (("111.222", "wrong", "bad_client_secret"),
                                     ("999.999", "s3cret", "invalid_client_id")):
        with pytest.raises(SlackApiError, match=error):
            await client.oauth_v2_access(client_id=client_id, client_secret=secret,
                                         code=slack.approve("T0SECOND"))

    token = granted["access_token"]
    me = await client.auth_test(token=token)
    assert (me["team_id"], me["user_id"]) == ("T0SECOND", granted["bot_user_id"])
    posted = await client.chat_postMessage(token=token, channel="C0GENERAL", text="hi")
    assert posted["message"]["bot_id"] == me["bot_id"] != slack.bot_id
    assert (await client.chat_update(token=token, channel="C0GENERAL", ts=posted["ts"],
                                     text="hello"))["ok"]

    slack.uninstall(token)
    with pytest.raises(SlackApiError, match="token_revoked"):
        await client.chat_postMessage(token=token, channel="C0GENERAL", text="again")
    with pytest.raises(SlackApiError, match="invalid_auth"):
        await client.auth_test(token="xoxb-never-issued")


async def test_an_org_wide_install_is_the_organisations(slack):
    slack.distribute("111.222", "s3cret")
    client = AsyncWebClient(base_url=slack.api_url)
    code = slack.approve(None, enterprise_id="E0ORG", org_wide=True)
    granted = await client.oauth_v2_access(client_id="111.222", client_secret="s3cret", code=code)
    assert granted["team"] is None and granted["enterprise"]["id"] == "E0ORG"
    assert granted["is_enterprise_install"] is True
    me = await client.auth_test(token=granted["access_token"])
    assert (me["team_id"], me["enterprise_id"], me["is_enterprise_install"]) == (
        "E0ORG", "E0ORG", True)
