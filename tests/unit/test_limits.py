"""Which files fit in one Claude request (pure)."""

from bot.attachments.limits import Candidate, fit_request, media_limit

MB = 1_000_000


def test_everything_that_fits_is_kept():
    files = [Candidate("a.png", MB, images=1), Candidate("b.pdf", 2 * MB, pages=40)]
    assert fit_request(files, 10 * MB, 100) == ([True, True], [])


def test_size_leaves_out_the_older_big_file_but_keeps_smaller_ones():
    files = [Candidate("new.pdf", 20 * MB, pages=1), Candidate("old.pdf", 20 * MB, pages=1),
             Candidate("tiny.png", MB, images=1)]
    kept, notices = fit_request(files, 30 * MB, 600)
    assert kept == [True, False, True]
    assert notices == [":paperclip: Left out `old.pdf`: together they would make the request "
                       "larger than Claude's 32 MB limit."]


def test_pdf_pages_add_up_across_files():
    files = [Candidate(f"{n}.pdf", MB, pages=30) for n in range(5)]
    kept, notices = fit_request(files, 100 * MB, 600)
    assert kept == [True, True, True, False, False]
    assert notices == [":paperclip: Left out `3.pdf`, `4.pdf`: Claude reads at most 100 PDF "
                       "pages in one request."]


def test_a_question_whose_own_file_is_too_big_still_goes_ahead_without_it():
    kept, notices = fit_request([Candidate("book.pdf", MB, pages=300)], 100 * MB, 600)
    assert kept == [False] and "`book.pdf`" in notices[0]


def test_images_and_pages_share_the_models_media_limit():
    files = [Candidate("doc.pdf", 1, pages=90), *[Candidate(f"{n}.png", 1, images=1)
                                                  for n in range(20)]]
    kept, notices = fit_request(files, MB, media_limit("claude-haiku-4-5"))
    assert kept.count(True) == 11
    assert notices[0].endswith("`16.png`, `17.png` and 2 more: Claude takes at most 100 "
                               "images and PDF pages in one request.")
    assert media_limit("claude-sonnet-5-5") == 600
