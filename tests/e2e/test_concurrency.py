"""Many answers at once share one workspace edit budget (SPEC §4, §8)."""

import pytest

from bench.conversations import max_in_window
from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of


@pytest.mark.parametrize("slack", [{"updates_per_minute": 50}], indirect=True)
async def test_twenty_answers_within_fifty_edits_a_minute(slack, claude, make_bot):
    claude.responder = lambda body: Reply(
        text=f"Answer for {body['messages'][-1]['content'][-1]['text'][-3:]}. " + "words " * 100,
        chunk_chars=10, delay=0.02)
    await make_bot(SLACK_UPDATES_PER_MINUTE="50", SLACK_UPDATE_INTERVAL="0.05")
    for n in range(20):
        await slack.user_message(f"C{n:03d}", "U0ALICE", f"<@UBOT> q{n:02d}",
                                 events=("app_mention",))
    await answered(slack, count=20)
    updates = slack.calls_to("chat.update")
    assert [u for u in updates if u.status == 429] == []
    assert max_in_window([u.at for u in updates]) <= 50
    for n in range(20):
        [reply] = slack.bot_messages(f"C{n:03d}")
        assert body_of(reply).startswith(f"Answer for q{n:02d}. words") and footer_of(reply)
        edits = [u for u in updates if u.params["channel"] == f"C{n:03d}"]
        assert len(edits) >= 2  # every answer showed text before its final edit
