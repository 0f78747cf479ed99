"""The Slack test double: what people do to existing messages and files (edits re-send the
mention, deleted files), and events from a channel shared with another organisation."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from tests.e2e.test_slack_server import PNG, download, socket_client


async def test_an_edit_re_sends_the_mention_with_edited(slack):
    client = await socket_client(slack)
    try:
        await slack.wait_connected()
        msg = await slack.user_message("C1", "U0ALICE", "<@UBOT> helo")
        changed_id, mention_id = await slack.edit_message("C1", msg["ts"], "<@UBOT> hello")
        await slack.wait_ack(mention_id)
        changed, mention = (r.payload["event"] for r in client.received[-2:])
        assert changed["subtype"] == "message_changed"
        assert changed["message"]["text"] == "<@UBOT> hello"
        assert changed["previous_message"]["text"] == "<@UBOT> helo"
        assert mention["type"] == "app_mention" and mention["ts"] == msg["ts"]
        assert mention["edited"] == {"user": "U0ALICE", "ts": changed["ts"]}
        assert mention["event_ts"] == changed["ts"] != msg["ts"]
        assert slack.message("C1", msg["ts"])["text"] == "<@UBOT> hello"
        # Taking the mention out of the text sends only the change.
        assert len(await slack.edit_message("C1", msg["ts"], "never mind")) == 1
    finally:
        await client.close()


async def test_a_deleted_file_is_gone_and_announced(slack, web):
    client = await socket_client(slack)
    try:
        await slack.wait_connected()
        f = slack.add_file(PNG, name="cat.png", mimetype="image/png")
        await slack.wait_ack(await slack.delete_file(f["id"]))
        event = client.received[-1].payload["event"]
        assert event["type"] == "file_deleted" and event["file_id"] == f["id"]
        with pytest.raises(SlackApiError) as e:
            await web.files_info(file=f["id"])
        assert e.value.response["error"] == "file_deleted"
        status, _, _ = await download(f["url_private_download"], slack.bot_token)
        assert status == 404
    finally:
        await client.close()


async def test_a_shared_channel_event_names_the_other_org_but_our_installation(slack):
    client = await socket_client(slack)
    try:
        await slack.wait_connected()
        await slack.wait_ack(await slack.send_event(
            {"type": "app_mention", "channel": "C1", "user": "U0GUEST", "ts": "1.000100",
             "text": "<@UBOT> hi", "team": "T0OTHERORG", "user_team": "T0OTHERORG"}))
        payload = client.received[-1].payload
        assert payload["event"]["team"] == "T0OTHERORG"
        assert payload["team_id"] == payload["authorizations"][0]["team_id"] == slack.team_id
    finally:
        await client.close()
