"""👍 / 👎 under every answered answer: the click is acked within 3 s, handed to the feedback
hook (ledger, metrics) and thanked with an ephemeral message, in Socket Mode and HTTP mode."""

import json
import time

import aiohttp

from bot.devserver.claude import Reply
from bot.feedback import THANKS, Feedback
from tests.e2e.helpers import answered, body_of, ledger_rows
from tests.e2e.test_http_mode import SECRET, free_port, mention_payload, signed


def recorder(bot) -> list[Feedback]:
    clicks: list[Feedback] = []

    async def record(feedback: Feedback) -> None:
        clicks.append(feedback)

    bot.deps.on_feedback = record
    return clicks


def block_types(message) -> list[str]:
    return [b["type"] for b in message["blocks"]]


async def test_feedback_in_socket_mode(slack, claude, make_bot):
    clicks = recorder(await make_bot())
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> hello")
    [reply] = await answered(slack)
    assert block_types(reply)[-2:] == ["context", "context_actions"]  # under the footer
    for value in ("positive", "negative"):  # the latest click wins (in the ledger)
        envelope = await slack.click_feedback("C1", reply["ts"], "U0BOB", value)
        await slack.wait_ack(envelope)
        assert slack.acks_at[envelope] - slack.events_sent[envelope] < 3
    await slack.wait_for(lambda: len(slack.calls_to("chat.postEphemeral")) == 2, what="thanks")
    assert [(c.params["user"], c.params["thread_ts"], c.params["text"]) for c in
            slack.calls_to("chat.postEphemeral")] == [("U0BOB", mention["ts"], THANKS)] * 2
    assert clicks == [Feedback(team=slack.team_id, channel="C1", answer_ts=mention["ts"],
                               message_ts=reply["ts"], thread_ts=mention["ts"], user="U0BOB",
                               value=value) for value in ("positive", "negative")]


async def test_feedback_in_http_mode(slack, claude, make_bot):
    port = free_port()
    clicks = recorder(await make_bot(SLACK_APP_TOKEN=None, SLACK_SIGNING_SECRET=SECRET,
                                     PORT=str(port)))
    url = f"http://127.0.0.1:{port}/slack/events"
    payload = mention_payload(slack)
    body = json.dumps(payload)
    async with aiohttp.ClientSession() as http, http.post(
            url, data=body, headers=signed(body)) as response:
        assert response.status == 200
    [reply] = await answered(slack)
    started = time.monotonic()
    assert await slack.click_feedback("C0GENERAL", reply["ts"], "U0BOB", "positive",
                                      http=(url, SECRET)) == 200
    assert time.monotonic() - started < 3  # acked within Slack's 3 s
    await slack.wait_for(lambda: slack.calls_to("chat.postEphemeral"), what="thanks")
    assert [c.value for c in clicks] == ["positive"]
    assert clicks[0].answer_ts == payload["event"]["ts"]
    assert await slack.click_feedback("C0GENERAL", reply["ts"], "U0BOB", "positive",
                                      http=(url, "forged")) == 401
    assert len(clicks) == 1


async def test_a_failing_feedback_hook_still_thanks(slack, claude, make_bot):
    bot = await make_bot()

    async def broken(_feedback: Feedback) -> None:
        raise RuntimeError("ledger down")

    bot.deps.on_feedback = broken
    await slack.user_message("C1", "U0ALICE", "<@UBOT> hello")
    [reply] = await answered(slack)
    await slack.wait_ack(await slack.click_feedback("C1", reply["ts"], "U0BOB", "negative"))
    await slack.wait_for(lambda: slack.calls_to("chat.postEphemeral"), what="thanks")


async def test_only_the_last_message_of_a_long_answer_has_buttons(slack, claude, make_bot):
    text = "\n\n".join(f"Paragraph {n}. " + "words " * 300 for n in range(10))
    claude.default = Reply(text=text, chunk_chars=500, delay=0.005)
    await make_bot()
    await slack.user_message("C1", "U0ALICE", "<@UBOT> a lot")
    await answered(slack)
    messages = slack.bot_messages("C1")
    assert len(messages) >= 2 and "".join(body_of(m) for m in messages) == text
    assert [("context_actions" in block_types(m)) for m in messages] == [False] * (
        len(messages) - 1) + [True]


async def test_a_click_is_stored_with_its_answer_and_counted(slack, claude, make_bot):
    bot = await make_bot()  # the bot's own feedback hook: the ledger and the metrics
    mention = await slack.user_message("C1", "U0ALICE", "<@UBOT> hello")
    [reply] = await answered(slack)
    for value in ("negative", "positive"):  # the latest click wins
        await slack.wait_ack(await slack.click_feedback("C1", reply["ts"], "U0ALICE", value))
    await slack.wait_for(lambda: len(slack.calls_to("chat.postEphemeral")) == 2, what="thanks")
    [row] = await ledger_rows(bot)
    assert (row.ts, row.outcome, row.feedback) == (mention["ts"], "answered", "positive")
    metrics = bot.deps.metrics.text().decode()
    assert 'claude_slack_feedback_total{value="positive"} 1.0' in metrics
    assert 'claude_slack_feedback_total{value="negative"} 1.0' in metrics
