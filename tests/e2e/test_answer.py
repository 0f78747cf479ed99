"""A mention answered end to end: the real bot, the real SDKs, the project's servers."""

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of, no_stuck_placeholders, notices_of

MENTION = "<@UBOT> what is 2+2?"


async def test_mention_gets_a_streamed_answer_with_footer(slack, claude, make_bot):
    claude.default = Reply(text="**Four.** That is all.", chunk_chars=3, delay=0.02,
                           input_tokens=120, output_tokens=7)
    await make_bot()
    mention = await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [reply] = await answered(slack)

    setup = {"auth.test", "apps.connections.open"}
    first_call = min((c for c in slack.calls if c.method not in setup), key=lambda c: c.at)
    assert first_call.method == "chat.postMessage"
    assert first_call.params["thread_ts"] == mention["ts"]
    assert "Thinking" in first_call.params["text"]
    assert reply["thread_ts"] == mention["ts"]
    assert body_of(reply) == "**Four.** That is all."
    assert reply["text"] == "**Four.** That is all."
    assert footer_of(reply).startswith("`claude-sonnet-5-5` · 120 in · 7 out · $0.0003 · ")
    assert footer_of(reply).endswith(" s")
    updates = slack.calls_to("chat.update")
    assert len(updates) >= 2  # streamed: edits before the final one
    assert all(u.params["ts"] == reply["ts"] for u in updates)
    # Whole text each time (the fallback carries it as written; the blocks hide a marker
    # that is not closed yet).
    texts = [u.params["text"] for u in updates if body_of(u.params)]
    assert all(b.startswith(a) for a, b in zip(texts, texts[1:], strict=False))
    assert len(slack.calls_to("chat.postMessage")) == 1
    [request] = claude.requests
    assert request.body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "<@U0ALICE>: what is 2+2?"}]}]
    assert not {"temperature", "top_p", "top_k", "output_config"} & request.body.keys()
    assert (request.body["model"], request.body["max_tokens"]) == ("claude-sonnet-5-5", 32_000)


async def test_settings_reach_the_request(slack, claude, make_bot):
    await make_bot(CLAUDE_MODEL="claude-haiku-5-5", CLAUDE_MAX_TOKENS="500",
                   CLAUDE_SYSTEM_PROMPT="Always answer in French.")
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [reply] = await answered(slack)
    [request] = claude.requests
    assert request.body["model"] == "claude-haiku-5-5"
    assert request.body["max_tokens"] == 500
    assert request.body["system"][-1]["text"].endswith("Always answer in French.")
    assert footer_of(reply).startswith("`claude-haiku-5-5`")


async def test_effort_is_sent_and_thinking_shows_in_the_footer(slack, claude, make_bot):
    claude.default = Reply(thinking="Let me add.", text="Four.", input_tokens=100,
                           output_tokens=900, thinking_tokens=850)
    await make_bot(CLAUDE_EFFORT="xhigh")
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [reply] = await answered(slack)
    assert claude.requests[0].body["output_config"] == {"effort": "xhigh"}
    assert "· 100 in · 900 out (850 thinking) · $0.0092 · " in footer_of(reply)


async def test_cache_reads_show_in_the_footer(slack, claude, make_bot):
    claude.default = Reply(text="ok", input_tokens=10, cache_write=100, cache_read=3000,
                           output_tokens=2)
    await make_bot()
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [reply] = await answered(slack)
    assert "3,110 in · 2 out · 3,000 cache read · $0.0006" in footer_of(reply)


async def test_thinking_shows_a_status_until_the_first_text(slack, claude, make_bot):
    claude.default = Reply(thinking="Let me add two and two. " * 5, text="It is 4.",
                           chunk_chars=10, delay=0.01)
    await make_bot()
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [reply] = await answered(slack)
    assert body_of(reply) == "It is 4."
    first_update = slack.calls_to("chat.update")[0]
    assert body_of(first_update.params).startswith("It is")  # no edit while only thinking
    assert "Let me add" not in str(reply)


async def test_half_received_code_renders_as_code_while_streaming(slack, claude, make_bot):
    code = "Try:\n\n```python\n" + "".join(f"print({i})\n" for i in range(40)) + "```\nDone."
    claude.default = Reply(text=code, chunk_chars=6, delay=0.01)
    await make_bot()
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [reply] = await answered(slack)
    assert body_of(reply) == code
    bodies = [body_of(u.params) for u in slack.calls_to("chat.update")]
    assert all(b.count("```") % 2 == 0 for b in bodies)  # every fence is closed in every edit
    mid_code = [b for b in bodies if "print(" in b and "Done" not in b and b.endswith("\n```")]
    assert mid_code, "expected an edit while the code block was still streaming"


async def test_an_emphasis_still_streaming_shows_no_bare_marker(slack, claude, make_bot):
    claude.default = Reply(text="The **Offline stand-in** answers.", chunk_chars=4,
                           stall_after=len("The **Offlin"))
    await make_bot()
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    await slack.wait_for(lambda: any("Offlin" in body_of(u.params)
                                     for u in slack.calls_to("chat.update")), what="mid-word")
    [mid] = [body_of(u.params) for u in slack.calls_to("chat.update")
             if "Offlin" in body_of(u.params)]
    assert mid == "The Offlin"  # not "The **Offlin": the bold shows once it closes
    claude.release_stalls()  # the stream ends there: the text is kept as written
    await slack.wait_for(lambda: notices_of(slack.bot_messages()[0]), what="the final edit")
    assert body_of(slack.bot_messages()[0]) == "The **Offlin"


async def test_markdown_goes_in_a_markdown_block_with_a_plain_fallback(slack, claude, make_bot):
    text = "# Title\n\n- one\n- **two**\n\n> quote\n\n[link](https://example.com)"
    claude.default = Reply(text=text)
    await make_bot()
    await slack.user_message("C0GENERAL", "U0ALICE", MENTION)
    [reply] = await answered(slack)
    assert reply["blocks"][0] == {"type": "markdown", "text": text}
    assert reply["text"] == text.replace(">", "&gt;")  # mrkdwn: Slack's quote marker, escaped


async def test_stop_reasons_add_a_plain_notice(slack, claude, make_bot):
    claude.enqueue(Reply(text="Partial", stop_reason="max_tokens"),
                   Reply(text="", stop_reason="refusal",
                         stop_details={"type": "refusal", "category": "cyber"}),
                   Reply(text="Cut", stop_reason="model_context_window_exceeded"))
    await make_bot(CLAUDE_MAX_TOKENS="1000")
    for n in range(3):
        await slack.user_message(f"C{n}", "U0ALICE", MENTION)
        await answered(slack, f"C{n}")
    [cut] = (await answered(slack, "C0"))
    assert body_of(cut) == "Partial"
    assert notices_of(cut) == [":warning: The answer was cut off at the output limit "
                               "(1,000 tokens)."]
    [refused] = await answered(slack, "C1")
    assert notices_of(refused) == [":no_entry_sign: Claude declined to answer this request."]
    [full] = await answered(slack, "C2")
    assert "context window" in notices_of(full)[0]
    assert no_stuck_placeholders(slack)
