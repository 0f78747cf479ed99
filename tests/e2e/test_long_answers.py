"""Answers longer than one Slack message continue in further thread messages."""

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of


def long_answer() -> str:
    paragraphs = [f"Paragraph {n}: " + "streamed words go here. " * 40 for n in range(18)]
    code = "```python\n" + "".join(f"value_{n} = compute({n})\n" for n in range(700)) + "```"
    return "\n\n".join(paragraphs[:9] + [code] + paragraphs[9:])


async def test_long_answer_continues_in_the_thread_without_loss(slack, claude, make_bot):
    text = long_answer()
    assert len(text) > 30_000
    claude.default = Reply(text=text, chunk_chars=400, delay=0.005)
    await make_bot()
    mention = await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> write a lot")
    await answered(slack)
    messages = slack.bot_messages("C0GENERAL")
    assert len(messages) >= 3
    assert all(m["thread_ts"] == mention["ts"] for m in messages)
    assert [bool(footer_of(m)) for m in messages] == [False] * (len(messages) - 1) + [True]
    bodies = [body_of(m) for m in messages]
    assert all(0 < len(b) <= 12_000 for b in bodies)
    assert all(b.count("```") % 2 == 0 for b in bodies)  # a split fence is closed...
    split_in_code = [b for b in bodies[1:] if b.startswith("```python\nvalue_")]
    assert split_in_code  # the code block was split: reopened with its language...
    assert not any(b.startswith("value_") for b in bodies)  # ...never shown as plain text
    rebuilt = "".join(bodies)
    def content(s: str) -> str:  # what the reader sees, minus fence lines and line breaks
        return s.replace("```python", "").replace("```", "").replace("\n", "")

    assert content(rebuilt) == content(text)  # nothing lost or duplicated
    first_overflow = slack.calls_to("chat.postMessage")[1].at
    [request] = claude.requests
    assert first_overflow < claude.last_event_at(request.request_id)  # split while streaming


async def test_every_message_fits_slacks_limits(slack, claude, make_bot):
    text = ("x" * 99 + " ") * 400  # 40,000 characters without a single line break
    claude.default = Reply(text=text, chunk_chars=2000)
    await make_bot()
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> go")
    await answered(slack)
    bodies = [body_of(m) for m in slack.bot_messages()]
    assert "".join(bodies) == text
    assert all(u.status == 200 and u.response["ok"] for u in slack.calls_to("chat.update"))
