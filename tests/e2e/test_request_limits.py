"""A thread's files never make it unanswerable: the oldest files that would break one of
Claude's request limits (32 MB, 100 PDF pages, the model's media count) are left out and named,
the question's own files last, and every message's text stays."""

from tests.e2e.helpers import answered, footer_of, notices_of
from tests.e2e.test_files import kinds, png
from tests.pdfs import make_pdf

CH = "C0GENERAL"


def pdf(slack, name: str, pages: int, padding: int = 0) -> dict:
    return slack.add_file(make_pdf(pages, compressed=True, padding=padding), name=name,
                          mimetype="application/pdf")


async def heavy_answers(slack, count: int) -> list[dict]:
    """Like `answered`, with time for tens of megabytes to cross a busy machine."""
    await slack.wait_for(lambda: len([m for m in slack.bot_messages(CH) if footer_of(m)])
                         >= count, timeout=60, what=f"{count} answers")
    return [m for m in slack.bot_messages(CH) if footer_of(m)]


def sent(claude) -> list[tuple[str, list[str]]]:
    return [(t["role"], kinds(t["content"])) for t in claude.requests[-1].body["messages"]]


async def test_pdf_pages_over_100_leave_out_the_older_pdf(slack, claude, make_bot):
    await make_bot()
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> summarise",
                                    files=[pdf(slack, "report-2024.pdf", 60)])
    await answered(slack, CH)
    await slack.user_message(CH, "U0ALICE", "now this one", thread_ts=root["ts"],
                             files=[pdf(slack, "report-2025.pdf", 60)])
    [_, reply] = await answered(slack, CH, count=2)
    assert [r.status for r in claude.requests] == [200, 200]
    assert sent(claude) == [("user", ["text"]), ("assistant", ["text"]),
                            ("user", ["document", "text"])]
    assert notices_of(reply) == [":paperclip: Left out `report-2024.pdf`: Claude reads at "
                                 "most 100 PDF pages in one request."]


async def test_a_question_with_too_many_pages_is_answered_without_them(slack, claude, make_bot):
    await make_bot()
    await slack.user_message(CH, "U0ALICE", "<@UBOT> read this",
                             files=[pdf(slack, "book.pdf", 101)])
    [reply] = await answered(slack, CH)
    assert sent(claude) == [("user", ["text"])]
    assert "`book.pdf`" in notices_of(reply)[0]


async def test_a_request_over_32_mb_leaves_out_the_older_file(slack, claude, make_bot):
    await make_bot()
    big = 13_000_000  # 17.3 MB in base64: two of them are over Claude's 32 MB
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> compare",
                                    files=[pdf(slack, "scan-a.pdf", 2, padding=big)])
    await heavy_answers(slack, 1)
    await slack.user_message(CH, "U0ALICE", "and this?", thread_ts=root["ts"],
                             files=[pdf(slack, "scan-b.pdf", 2, padding=big)])
    [_, reply] = await heavy_answers(slack, 2)
    assert [r.status for r in claude.requests] == [200, 200]
    documents = [b["title"] for t in claude.requests[-1].body["messages"] for b in t["content"]
                 if b["type"] == "document"]
    assert documents == ["scan-b.pdf"]
    assert "`scan-a.pdf`" in notices_of(reply)[0] and "32 MB" in notices_of(reply)[0]


async def test_images_and_pages_stay_within_the_models_media_limit(slack, claude, make_bot):
    await make_bot(CLAUDE_MODEL="claude-haiku-4-5")  # a 200K-context model: 100 media a request
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> read",
                                    files=[pdf(slack, "manual.pdf", 95)])
    await answered(slack, CH)
    photos = [slack.add_file(png(color=(n, 0, 0)), name=f"{n}.png", mimetype="image/png")
              for n in range(6)]
    await slack.user_message(CH, "U0ALICE", "do these match?", thread_ts=root["ts"],
                             files=photos)
    [_, reply] = await answered(slack, CH, count=2)
    assert [r.status for r in claude.requests] == [200, 200]
    assert sent(claude)[-1] == ("user", ["image"] * 6 + ["text"])
    assert notices_of(reply) == [":paperclip: Left out `manual.pdf`: Claude takes at most 100 "
                                 "images and PDF pages in one request."]
