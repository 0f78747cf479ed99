"""Slack thread → Claude turns (pure)."""

from bot.conversation import (
    LEFT_OUT,
    Me,
    context_window,
    decode_slack_text,
    estimate_tokens,
    fit_context,
    merge_turns,
    said_by_bot,
    thread_units,
)
from bot.reply.render import message_payload

ME = Me("UBOT", "BBOT")


def thread_turns(messages, me, attachments=None):
    return merge_turns(thread_units(messages, me, attachments))


def user(ts, who, text, **extra):
    return {"type": "message", "ts": ts, "user": who, "text": text, **extra}


def bot(ts, text, **extra):
    return {"type": "message", "ts": ts, "user": "UBOT", "bot_id": "BBOT", **extra,
            **message_payload(text, notices=extra.pop("notices", ()),
                              footer=extra.pop("footer", None))}


def texts(turns):
    return [(t["role"], [b["text"] for b in t["content"] if b["type"] == "text"]) for t in turns]


def test_two_speakers_and_the_bot():
    thread = [
        user("1.0", "UALICE", "<@UBOT> what is a monad?"),
        bot("1.1", "A monad is a pattern.", footer="`m` · 1 in · 1 out · 0.1 s"),
        user("1.2", "UBOB", "I disagree &amp; say <https://x.test|this>"),
        user("1.3", "UALICE", "<@UBOT> who is right?"),
    ]
    assert texts(thread_turns(thread, ME)) == [
        ("user", ["<@UALICE>: what is a monad?"]),
        ("assistant", ["A monad is a pattern."]),
        ("user", ["<@UBOB>: I disagree & say this (https://x.test)",
                  "<@UALICE>: who is right?"]),
    ]


def test_placeholders_notices_and_footers_are_not_content():
    thread = [
        user("1.0", "UALICE", "<@UBOT> hi"),
        bot("1.1", ""),  # a placeholder left behind
        bot("1.2", "Partial ans", notices=(":warning: The answer stopped early: x.",),
            footer="`m` · 1 in"),
        user("1.3", "UALICE", "go on"),
    ]
    assert texts(thread_turns(thread, ME))[1] == ("assistant", ["Partial ans"])


def test_bot_text_without_markdown_blocks_drops_notices_and_status():
    message = {"user": "UBOT", "text": "Answer.\n\nMore.\n\n:warning: No answer: x."}
    assert said_by_bot(message) == "Answer.\n\nMore."
    assert said_by_bot({"user": "UBOT", "text": "_Thinking…_"}) == ""


def test_first_and_last_turns_are_user():
    thread = [bot("1.0", "I start"), user("1.1", "UALICE", "hi"), bot("1.2", "trailing")]
    assert [t["role"] for t in thread_turns(thread, ME)] == ["user"]


def test_slash_question_from_metadata_becomes_the_first_user_turn():
    root = bot("1.0", "The answer.", metadata={"event_type": "claude_question",
                                               "event_payload": {"user": "UALICE",
                                                                 "text": "why?"}})
    thread = [root, user("1.1", "UALICE", "and then?")]
    assert texts(thread_turns(thread, ME)) == [
        ("user", ["<@UALICE>: why?"]), ("assistant", ["The answer."]),
        ("user", ["<@UALICE>: and then?"])]


def test_edits_joins_and_deletions_are_skipped():
    thread = [user("1.0", "UALICE", "q"), {"subtype": "channel_join", "user": "UX", "ts": "1.1",
                                           "text": "<@UX> has joined"}]
    assert texts(thread_turns(thread, ME)) == [("user", ["<@UALICE>: q"])]


def test_files_go_before_their_message_text():
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": "AA=="}}
    turns = thread_turns([user("1.0", "UALICE", "look")], ME, {"1.0": [image]})
    assert turns[0]["content"] == [image, {"type": "text", "text": "<@UALICE>: look"}]


def test_decoding():
    assert decode_slack_text("<@UBOT> ask <@U1|al> in <#C1|general> &lt;tag&gt; <!here> "
                             "<mailto:a@b.c|a@b.c>", "UBOT") == (
        "ask <@U1> in #general <tag> @here a@b.c (mailto:a@b.c)")


def test_context_windows():
    assert context_window("claude-sonnet-5-5") == 1_000_000
    assert context_window("claude-haiku-4-5-20251001") == 200_000
    assert context_window("something-else") == 200_000


def test_fit_context_keeps_the_first_message_and_the_newest():
    units = [{"role": r, "content": [{"type": "text", "text": f"{r}{i} " + "x" * 300}]}
             for i, r in enumerate(["user", "assistant", "user", "user"] * 5 + ["user"])]
    for budget in (300, 450, 700, 1200):
        fitted, dropped = fit_context(units, budget)
        assert dropped
        assert fitted[0] == units[0]
        assert fitted[1]["content"][0]["text"] == LEFT_OUT
        assert fitted[-1] == units[-1]  # the question is kept
        assert sum(estimate_tokens(t["content"]) for t in fitted) <= budget
        turns = merge_turns(fitted)
        roles = [t["role"] for t in turns]
        assert roles[0] == roles[-1] == "user"
        assert all(a != b for a, b in zip(roles, roles[1:], strict=False))


def test_fit_context_leaves_small_threads_alone():
    units = [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert fit_context(units, 10_000) == (units, False)


REFUSAL = ":no_entry_sign: Claude declined to answer this request. It could enable harm."
FOOTER = "`m` · 1 in · 1 out · 0.1 s"


def test_a_refused_exchange_is_left_out():
    thread = [
        user("1.0", "UALICE", "<@UBOT> hello"),
        bot("1.1", "Hi!", footer=FOOTER),
        user("1.2", "UALICE", "something bad"),
        user("1.3", "UALICE", "please"),
        bot("1.4", "Sure, fir", notices=(REFUSAL,), footer=FOOTER),
        user("1.5", "UALICE", "ok, something else"),
    ]
    assert texts(thread_turns(thread, ME)) == [
        ("user", ["<@UALICE>: hello"]), ("assistant", ["Hi!"]),
        ("user", ["<@UALICE>: ok, something else"])]


def test_a_refused_first_question_starts_the_conversation_at_the_next_one():
    thread = [
        user("1.0", "UALICE", "<@UBOT> something bad"),
        bot("1.1", "", notices=(REFUSAL,), footer=FOOTER),
        user("1.2", "UALICE", "sorry: what is 2+2?"),
    ]
    assert texts(thread_turns(thread, ME)) == [("user", ["<@UALICE>: sorry: what is 2+2?"])]


def test_every_message_of_a_long_refused_answer_goes():
    slash = {"event_type": "claude_question", "event_payload": {"user": "UALICE", "text": "x"}}
    thread = [
        bot("1.0", "part one", metadata=slash),
        bot("1.1", "part two", notices=(REFUSAL,), footer=FOOTER),
        user("1.2", "UALICE", "<@UBOT> next"),
    ]
    assert texts(thread_turns(thread, ME)) == [("user", ["<@UALICE>: next"])]


def test_a_refusal_in_a_plain_text_fallback_is_recognised():
    thread = [
        user("1.0", "UALICE", "<@UBOT> hello"),
        bot("1.1", "Hi!", footer=FOOTER),
        user("1.2", "UALICE", "bad"),
        {"type": "message", "ts": "1.3", "user": "UBOT", "bot_id": "BBOT", "blocks": [],
         "text": f"Partial\n\n{REFUSAL}\n\n{FOOTER}"},
        user("1.4", "UALICE", "next"),
    ]
    assert texts(thread_turns(thread, ME))[-1] == ("user", ["<@UALICE>: next"])
    assert len(thread_turns(thread, ME)) == 3


def test_a_person_quoting_the_refusal_notice_changes_nothing():
    thread = [user("1.0", "UALICE", "<@UBOT> hello"), bot("1.1", "Hi!", footer=FOOTER),
              user("1.2", "UBOB", REFUSAL)]
    assert len(thread_turns(thread, ME)) == 3
