"""Staying up: dropped sockets, malformed payloads, and one bad conversation among
healthy ones."""

import io

import pytest
from PIL import Image

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of, notices_of


async def test_socket_mode_recovers_from_a_dropped_websocket(slack, claude, make_bot):
    await make_bot()
    before = slack.connections_total
    await slack.drop_connections()
    await slack.wait_for(lambda: slack.connections_total > before and slack.connections == 1,
                         timeout=30, what="the bot to reconnect")
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> still with us?")
    [reply] = await answered(slack)
    assert body_of(reply)


async def test_slack_asking_to_reconnect_is_honoured(slack, claude, make_bot):
    await make_bot()
    before = slack.connections_total
    await slack.drop_connections(reason="refresh_requested")
    await slack.wait_for(lambda: slack.connections_total > before and slack.connections == 1,
                         timeout=30, what="the bot to reconnect")
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> hello again")
    await answered(slack)


async def test_malformed_payloads_are_ignored(slack, claude, make_bot, caplog):
    bot = await make_bot()
    for event in ({"type": "app_mention"}, {"type": "app_mention", "channel": 7, "user": []},
                  {"type": "message", "text": None, "channel_type": "im", "user": "U1",
                   "channel": "D1"}, {"type": "no_such_event", "x": 1}, {}):
        await slack.send_event(event)
    await slack._send_envelope({"envelope_id": "not-json-payload", "type": "events_api",
                                "payload": "garbage"})
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> and now a real one")
    await answered(slack)
    await bot.inflight.wait()
    assert len(claude.requests) == 1
    assert "Unhandled request" in caplog.text  # ignored with a log line


def bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")  # 144 megapixels in a few KB
    return out.getvalue()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
async def test_one_poisoned_conversation_does_not_affect_the_others(slack, claude, make_bot):
    def responder(body):
        text = body["messages"][-1]["content"][-1]["text"]
        if "stall" in text:
            return Reply(text="I will go quiet", stall_after=5)
        if "crash" in text:
            return Reply(text="half", error_after=2, error_type="api_error")
        return Reply(text=f"Healthy answer to {text[-5:]}", chunk_chars=4, delay=0.01)

    claude.responder = responder
    await make_bot(CLAUDE_IDLE_TIMEOUT="1")
    poison = slack.add_file(bomb(), name="bomb.png", mimetype="image/png")
    await slack.user_message("C0BOMB", "U0EVE", "<@UBOT> look", files=[poison])
    await slack.user_message("C0STALL", "U0EVE", "<@UBOT> stall")
    await slack.user_message("C0CRASH", "U0EVE", "<@UBOT> crash")
    for n in range(5):
        await slack.user_message(f"C0OK{n}", "U0ALICE", f"<@UBOT> ok-{n:02d}")
    await answered(slack, count=8)
    for n in range(5):
        [reply] = slack.bot_messages(f"C0OK{n}")
        assert body_of(reply) == f"Healthy answer to ok-{n:02d}" and notices_of(reply) == []
    assert "too large to decode safely" in notices_of(slack.bot_messages("C0BOMB")[0])[0]
    assert "timed out" in notices_of(slack.bot_messages("C0STALL")[0])[0]
    assert "internal error" in notices_of(slack.bot_messages("C0CRASH")[0])[0]
    assert all(footer_of(m) for m in slack.bot_messages())
