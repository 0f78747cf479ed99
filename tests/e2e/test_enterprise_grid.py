"""Enterprise Grid with one bot token: colleagues are never "another organisation", and every
surface (mention, /claude, a feedback click) keys its ledger row and budgets by the same
installation — the workspace, or the organisation for an org-wide install."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.helpers import answered, ledger_rows

GRID = {"enterprise_id": "E0ORG"}
ORG_WIDE = {"enterprise_id": "E0ORG", "org_wide": True}
MENTION = "<@UBOT> what is 2+2?"


async def wait_feedback(bot, value: str) -> list:
    await bot.inflight.wait()
    return [row for row in await ledger_rows(bot) if row.feedback == value]


@pytest.mark.parametrize("slack", [GRID], indirect=True)
async def test_a_colleague_named_by_the_organisation_is_not_external(slack, claude, make_bot,
                                                                       tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("[access]\nshared_channels = true\n")  # other organisations: refused
    bot = await make_bot(CLAUDE_POLICY=str(path))
    # In a Slack Connect channel, a colleague's `user_team` can be the organisation's id.
    await slack.user_message("C0CONNECT", "U0ALICE", MENTION, user_team="E0ORG", shared=True)
    [reply] = await answered(slack, "C0CONNECT")
    assert slack.ephemerals == []
    # A guest of another organisation is still refused, and their click on the colleague's
    # answer (`team`: the guest's own workspace) is stored with it all the same.
    await slack.user_message("C0CONNECT", "U0GUEST", MENTION, user_team="T0OTHER", shared=True)
    await slack.wait_for(lambda: slack.ephemerals, what="the guest's refusal")
    assert "organisation" in slack.ephemerals[0]["text"]
    await slack.click_feedback("C0CONNECT", reply["ts"], "U0GUEST", "negative",
                               user_team="T0OTHER")
    await slack.wait_for(lambda: slack.calls_to("chat.postEphemeral")[1:], what="thanks")
    [rated] = await wait_feedback(bot, "negative")
    assert rated.team == slack.team_id and rated.outcome == "answered"


@pytest.mark.parametrize("slack", [ORG_WIDE], indirect=True)
async def test_an_org_wide_install_is_one_installation_everywhere(slack, claude, make_bot):
    bot = await make_bot()
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [mention_reply] = await answered(slack, "C0GENERAL")
    await slack.send_slash_command(text="and 3+3?", channel_id="C0RANDOM")
    [command_reply] = await answered(slack, "C0RANDOM")
    # A click on an org-wide install carries `team: null`: still stored with its answer.
    for channel, reply in (("C0GENERAL", mention_reply), ("C0RANDOM", command_reply)):
        await slack.click_feedback(channel, reply["ts"], "U0BOB", "positive")
    await slack.wait_for(lambda: len(slack.calls_to("chat.postEphemeral")) == 2, what="thanks")
    rows = await wait_feedback(bot, "positive")
    assert sorted((row.channel, row.team) for row in rows) == [("C0GENERAL", "E0ORG"),
                                                               ("C0RANDOM", "E0ORG")]
    assert list(bot.deps.governors._by_team) == ["E0ORG"]  # one edit budget
    # Spend limits see both answers under the same installation.
    spent = bot.deps.ledger.spent("E0ORG", datetime.now(UTC) - timedelta(days=1))
    assert spent == pytest.approx(sum(row.cost_usd for row in rows))
