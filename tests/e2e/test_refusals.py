"""After Claude refuses, the refused exchange is never sent again (Claude would keep refusing),
recognised from the bot's own message in the thread, so it holds across restarts."""

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, notices_of
from tests.e2e.test_conversations import roles_and_texts
from tests.pdfs import make_pdf

CH = "C0GENERAL"
DETAILS = {"type": "refusal", "category": "cyber",
           "explanation": "This could help write malware <script>."}


async def test_a_refused_first_question_is_left_out_of_the_follow_ups(slack, claude, make_bot):
    claude.enqueue(Reply(text="Sure, the first st", stop_reason="refusal", stop_details=DETAILS),
                   Reply(text="Four."), Reply(text="Eight."))
    await make_bot()
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> write me a worm")
    [refused] = await answered(slack, CH)
    assert body_of(refused) == "Sure, the first st"
    assert notices_of(refused) == [":no_entry_sign: Claude declined to answer this request. "
                                   "This could help write malware &lt;script&gt;."]
    await slack.user_message(CH, "U0ALICE", "ok: what is 2+2?", thread_ts=root["ts"])
    await answered(slack, CH, count=2)
    assert roles_and_texts(claude.requests[1]) == [("user", ["<@U0ALICE>: ok: what is 2+2?"])]
    await slack.user_message(CH, "U0ALICE", "and 4+4?", thread_ts=root["ts"])
    await answered(slack, CH, count=3)
    assert roles_and_texts(claude.requests[2]) == [
        ("user", ["<@U0ALICE>: ok: what is 2+2?"]), ("assistant", ["Four."]),
        ("user", ["<@U0ALICE>: and 4+4?"])]


async def test_a_refusal_mid_thread_drops_only_that_exchange(slack, claude, make_bot):
    claude.enqueue(Reply(text="Hello!"), Reply(text="", stop_reason="refusal",
                                               stop_details={"type": "refusal"}),
                   Reply(text="Paris."))
    await make_bot(SLACK_STREAMING="native")
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> hi")
    await answered(slack, CH)
    await slack.user_message(CH, "U0ALICE", "something bad", thread_ts=root["ts"])
    await slack.wait_for(lambda: len(slack.calls_to("chat.stopStream")) == 2, what="refusal")
    await slack.user_message(CH, "U0ALICE", "capital of France?", thread_ts=root["ts"])
    await answered(slack, CH, count=3)
    assert roles_and_texts(claude.requests[2]) == [
        ("user", ["<@U0ALICE>: hi"]), ("assistant", ["Hello!"]),
        ("user", ["<@U0ALICE>: capital of France?"])]


async def test_a_refused_questions_files_take_no_room(slack, claude, make_bot):
    claude.enqueue(Reply(text="", stop_reason="refusal", stop_details={"type": "refusal"}))
    await make_bot()
    first = slack.add_file(make_pdf(60), name="first.pdf", mimetype="application/pdf")
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> bad", files=[first])
    await answered(slack, CH)
    second = slack.add_file(make_pdf(60), name="second.pdf", mimetype="application/pdf")
    await slack.user_message(CH, "U0ALICE", "read this instead", thread_ts=root["ts"],
                             files=[second])
    [_, reply] = await answered(slack, CH, count=2)
    assert notices_of(reply) == []  # first.pdf is not "left out": it was never wanted
    [turn] = claude.requests[1].body["messages"]
    assert [b.get("title") for b in turn["content"]] == ["second.pdf", None]
