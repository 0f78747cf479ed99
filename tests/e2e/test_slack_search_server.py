"""The Slack double's real-time search and users.info, exercised with the real slack_sdk client:
it finds what people typed in public channels (with permalinks), refuses what Slack refuses
(private channels with a bot token, bad arguments, a missing scope, an app without search) and
rate-limits search at about 10 calls a minute per workspace."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError


async def refused(call) -> dict:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value.response


def seed(slack) -> dict:
    slack.add_channel("C0LAUNCH", "launch")
    slack.add_channel("G0SECRET", "board", "private_channel")
    slack.add_user("U0ALICE", name="alice")
    public = slack.add_message("C0LAUNCH", user="U0ALICE",
                               text="We decided to move the Q3 launch to 14 October.")
    reply = slack.add_message("C0LAUNCH", user="U0BOB", text="Launch checklist is ready",
                              thread_ts=public["ts"])
    slack.add_message("G0SECRET", user="U0ALICE", text="Q3 launch budget is secret")
    slack.add_message("C0LAUNCH", bot_id="BOTHER", text="Q3 launch reminder from a bot")
    slack.add_message("C0LAUNCH", user="U0ALICE", text="lunch menu")
    return {"public": public, "reply": reply}


async def test_search_finds_public_messages_with_permalinks(slack, web):
    seeded = seed(slack)
    response = await web.assistant_search_context(
        query="what did we decide about the Q3 launch?", channel_types=["public_channel"],
        content_types=["messages"], limit=10)
    found = response["results"]["messages"]
    assert [m["content"] for m in found] == [
        "We decided to move the Q3 launch to 14 October.", "Launch checklist is ready"]
    first = found[0]
    assert first["channel_id"] == "C0LAUNCH" and first["channel_name"] == "launch"
    assert first["author_user_id"] == "U0ALICE" and first["author_name"] == "Alice"
    assert first["message_ts"] == seeded["public"]["ts"] and first["is_author_bot"] is False
    assert first["permalink"] == slack.permalink("C0LAUNCH", seeded["public"]["ts"])
    assert first["permalink"].startswith(f"{slack.origin}/archives/C0LAUNCH/p")
    assert "thread_ts=" in found[1]["permalink"]  # a reply links into its thread
    assert response["response_metadata"]["next_cursor"] == ""


async def test_search_limit_and_action_token_are_taken(slack, web):
    seed(slack)
    response = await web.assistant_search_context(query="launch", limit=1,
                                                  action_token="at-123")
    assert len(response["results"]["messages"]) == 1
    assert slack.calls_to("assistant.search.context")[-1].params["action_token"] == "at-123"
    # Without a token too (a user token, or an event that carried none).
    assert (await web.assistant_search_context(query="launch"))["ok"]


async def test_search_refuses_what_slack_refuses(slack, web):
    seed(slack)
    for args in (dict(query=""), dict(query="launch", limit=21), dict(query="launch", limit=0),
                 dict(query="launch", content_types=["emails"]),
                 dict(query="launch", channel_types=["everywhere"])):
        assert (await refused(web.assistant_search_context(**args)))["error"] \
            == "invalid_arguments"
    private = await refused(web.assistant_search_context(
        query="launch", channel_types=["public_channel", "private_channel"]))
    assert (private["error"], private["needed"]) == ("missing_scope", "search:read.private")


async def test_search_needs_its_scope_and_an_app_allowed_to_search(slack, web):
    slack.missing_scopes.add("search:read.public")
    answer = await refused(web.assistant_search_context(query="launch"))
    assert (answer["error"], answer["needed"]) == ("missing_scope", "search:read.public")
    assert "search:read.public" not in slack.calls[-1].headers.get("x-oauth-scopes", "")
    slack.missing_scopes.clear()
    slack.search_enabled = False
    assert (await refused(web.assistant_search_context(query="launch")))["error"] \
        == "not_allowed"


async def test_search_is_rate_limited_per_workspace(slack, web):
    now = [1000.0]
    slack.clock = lambda: now[0]
    for _ in range(10):
        await web.assistant_search_context(query="launch")
    limited = await refused(web.assistant_search_context(query="launch"))
    assert limited.status_code == 429 and limited["error"] == "ratelimited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    now[0] += 60.5
    assert (await web.assistant_search_context(query="launch"))["ok"]


async def test_users_info_says_who_is_a_guest(slack, web):
    slack.add_user("U0GUEST", is_restricted=True)
    slack.add_user("U0SINGLE", is_ultra_restricted=True)
    slack.add_message("C1", user="U0POSTER", text="hello")
    guest = (await web.users_info(user="U0GUEST"))["user"]
    single = (await web.users_info(user="U0SINGLE"))["user"]
    member = (await web.users_info(user="U0POSTER"))["user"]
    assert (guest["is_restricted"], guest["is_ultra_restricted"]) == (True, False)
    assert (single["is_restricted"], single["is_ultra_restricted"]) == (True, True)
    assert (member["is_restricted"], member["team_id"]) == (False, slack.team_id)
    assert (await refused(web.users_info(user="U0NOBODY")))["error"] == "user_not_found"
    slack.missing_scopes.add("users:read")
    assert (await refused(web.users_info(user="U0GUEST")))["needed"] == "users:read"
