"""The pure parts of Slack's agent surface: session titles, the stop registry, feedback
buttons and how a click is read back."""

import asyncio

from bot.feedback import feedback_block, read_value
from bot.reply.render import message_payload
from bot.session import Runs, title_of


def test_title_is_the_first_line_without_the_mention_and_at_most_200_characters():
    assert title_of("<@UBOT> What is 2+2?\nShow working.") == "What is 2+2?"
    assert title_of("\n\n  <@UBOT>  \n second line") == "second line"
    long = title_of("x" * 500)
    assert len(long) == 200 and long.endswith("…")
    assert title_of("<@UBOT>") == ""


def test_titles_are_plain_text():
    assert title_of("<@UBOT> ask <@U0BOB|bob> and <@W0CAROL> in <#C1|dev>", "UBOT") == \
        "ask @bob and in #dev"
    assert title_of("a &lt;b&gt; &amp; <https://x.io|docs> <!channel>") == \
        "a <b> & docs (https://x.io) @channel"


async def test_a_stop_reaches_every_answer_in_the_thread_once():
    runs = Runs()
    cancelled = []

    async def answer(channel, thread_ts):
        run = runs.begin(channel, thread_ts)
        run.arm(None)
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(run.stopped_by)
        finally:
            runs.end(run)

    tasks = [asyncio.create_task(answer("C1", "1.1")) for _ in range(2)]
    other = asyncio.create_task(answer("C1", "2.2"))
    await asyncio.sleep(0)
    assert runs.stop("C1", "1.1", "U0BOB") == 2
    assert runs.stop("C1", "1.1", "U0CAROL") == 0  # a second press changes nothing
    await asyncio.gather(*tasks)
    assert cancelled == ["U0BOB", "U0BOB"]
    assert runs.stop("C1", "1.1", "U0BOB") == 0  # nothing in flight any more
    other.cancel()
    await asyncio.gather(other, return_exceptions=True)


async def test_an_ended_answer_ignores_stops_and_streams_slack_ended_are_known():
    runs = Runs()

    async def begin(stream_ts):
        run = runs.begin("C1", "1.1")
        run.arm(stream_ts)
        return run

    run = await asyncio.create_task(begin("9.9"))
    assert run.stop("U0BOB", ("9.9",)) and run.stream_stopped
    late = await asyncio.create_task(begin(None))
    late.ended = True
    assert not late.stop("U0BOB", ()) and late.stopped_by is None


def test_feedback_buttons_come_last_and_carry_the_answer():
    blocks = message_payload("Answer.", footer="`model` · 1 in · 2 out", feedback="1.5")["blocks"]
    assert [b["type"] for b in blocks] == ["markdown", "context", "context_actions"]
    buttons = blocks[-1]["elements"][0]
    assert read_value(buttons["positive_button"]["value"]) == ("positive", "1.5")
    assert read_value(buttons["negative_button"]["value"]) == ("negative", "1.5")
    assert read_value("delete_item") is None
    assert feedback_block("1.5") == blocks[-1]
    assert "context_actions" not in str(message_payload("Answer.", footer="f"))
