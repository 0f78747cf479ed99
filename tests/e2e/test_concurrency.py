"""Many answers at once share one workspace edit budget; in native mode the stream methods'
Tier 2 budgets too."""

import pytest

from bench.conversations import max_in_window
from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of, no_stuck_placeholders


@pytest.mark.parametrize("streaming", ["edit", "native"])
@pytest.mark.parametrize("slack", [{"updates_per_minute": 50}], indirect=True)
async def test_twenty_answers_within_fifty_edits_a_minute(slack, claude, make_bot, streaming):
    claude.responder = lambda body: Reply(
        text=f"Answer for {body['messages'][-1]['content'][-1]['text'][-3:]}. " + "words " * 100,
        chunk_chars=10, delay=0.02)
    await make_bot(SLACK_UPDATES_PER_MINUTE="50", SLACK_UPDATE_INTERVAL="0.05",
                   SLACK_STREAMING=streaming)
    for n in range(20):
        await slack.user_message(f"C{n:03d}", "U0ALICE", f"<@UBOT> q{n:02d}",
                                 events=("app_mention",))
    await answered(slack, count=20)
    updates = slack.calls_to("chat.update")
    assert [c for c in slack.calls if c.status == 429] == []  # edits and stream methods alike
    assert max_in_window([u.at for u in updates]) <= 50
    for n in range(20):
        [reply] = slack.bot_messages(f"C{n:03d}")
        assert body_of(reply).startswith(f"Answer for q{n:02d}. words") and footer_of(reply)
        assert body_of(reply) == f"Answer for q{n:02d}. " + "words " * 100  # nothing lost
        shown = [c for c in slack.calls if c.params.get("channel") == f"C{n:03d}"
                 and c.method in ("chat.update", "chat.appendStream")]
        assert len(shown) >= 2  # every answer showed text before its final edit or stop
    assert not [m for m in slack.bot_messages() if m.get("streaming")]
    assert no_stuck_placeholders(slack)
    assert not [c for c in slack.calls if c.response.get("error") == "streaming_state_conflict"]
