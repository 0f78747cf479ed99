"""Files shared with the bot: images, PDFs, text and code, safely downloaded."""

import base64
import io

import pytest
from PIL import Image

from tests.e2e.helpers import answered, notices_of
from tests.e2e.other_host import OtherHost

CH = "C0GENERAL"


def png(width=64, height=48, color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def content_of(claude, request=-1, turn=-1) -> list[dict]:
    return claude.requests[request].body["messages"][turn]["content"]


def kinds(blocks) -> list[str]:
    return [b["type"] for b in blocks]


async def test_image_with_a_mention_comes_before_the_text(slack, claude, make_bot):
    await make_bot()
    photo = slack.add_file(png(), name="screenshot.png", mimetype="image/png")
    await slack.user_message(CH, "U0ALICE", "<@UBOT> what is this?", files=[photo])
    [reply] = await answered(slack, CH)
    blocks = content_of(claude)
    assert kinds(blocks) == ["image", "text"]
    source = blocks[0]["source"]
    assert source["type"] == "base64" and source["media_type"] == "image/png"
    assert Image.open(io.BytesIO(base64.b64decode(source["data"]))).size == (64, 48)
    assert notices_of(reply) == []
    setup = {"auth.test", "apps.connections.open"}
    first = min((c for c in slack.calls if c.method not in setup), key=lambda c: c.at)
    assert first.method == "chat.postMessage"  # the placeholder still goes first
    [download] = slack.calls_to("files.download")
    assert download.token == slack.bot_token


async def test_image_earlier_in_the_thread_is_sent_again_from_cache(slack, claude, make_bot):
    await make_bot()
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> hello")
    await answered(slack, CH)
    photo = slack.add_file(png(color=(0, 0, 255)), name="chart.jpg", mimetype="image/jpeg")
    await slack.user_message(CH, "U0ALICE", "", thread_ts=root["ts"], files=[photo])
    await answered(slack, CH, count=2)
    await slack.user_message(CH, "U0ALICE", "what colour was it?", thread_ts=root["ts"])
    await answered(slack, CH, count=3)
    turns = claude.requests[-1].body["messages"]
    assert [(t["role"], kinds(t["content"])) for t in turns] == [
        ("user", ["text"]), ("assistant", ["text"]), ("user", ["image", "text"]),
        ("assistant", ["text"]), ("user", ["text"])]
    assert len(slack.calls_to("files.download")) == 1  # converted once, cached by file id


async def test_only_the_newest_images_are_sent(slack, claude, make_bot):
    await make_bot(MAX_IMAGES="2")
    files = [slack.add_file(png(color=(n * 60, 0, 0)), name=f"{n}.png", mimetype="image/png")
             for n in range(3)]
    await slack.user_message(CH, "U0ALICE", "<@UBOT> compare", files=files)
    await answered(slack, CH)
    images = [b for b in content_of(claude) if b["type"] == "image"]
    assert len(images) == 2
    colours = [Image.open(io.BytesIO(base64.b64decode(b["source"]["data"]))).getpixel((0, 0))
               for b in images]
    assert colours == [(60, 0, 0), (120, 0, 0)]


async def test_pdf_and_code_files(slack, claude, make_bot):
    await make_bot()
    pdf = slack.add_file(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", name="spec.pdf",
                         mimetype="application/pdf")
    code = slack.add_file(b"def add(a, b):\n    return a + b\n", name="maths.py",
                          mimetype="text/x-python", filetype="python")
    await slack.user_message(CH, "U0ALICE", "<@UBOT> review", files=[pdf, code])
    await answered(slack, CH)
    blocks = content_of(claude)
    assert kinds(blocks) == ["document", "text", "text"]
    assert blocks[0]["source"]["media_type"] == "application/pdf"
    assert blocks[1]["text"].startswith('<file name="maths.py">\ndef add(a, b):')


async def test_unsupported_and_broken_files_are_named_and_the_answer_goes_ahead(
        slack, claude, make_bot):
    await make_bot()
    archive = slack.add_file(b"PK\x03\x04zip", name="stuff.zip", mimetype="application/zip")
    fake = slack.add_file(b"this is not an image", name="photo.png", mimetype="image/png")
    good = slack.add_file(png(), name="ok.png", mimetype="image/png")
    await slack.user_message(CH, "U0ALICE", "<@UBOT> look", files=[archive, fake, good])
    [reply] = await answered(slack, CH)
    assert kinds(content_of(claude)) == ["image", "text"]
    notices = notices_of(reply)
    assert any("`stuff.zip`" in n and "Claude can't read this kind of file" in n
               for n in notices)
    assert any("`photo.png`" in n for n in notices)
    assert len(slack.calls_to("files.download")) == 2  # the zip is skipped unread


@pytest.mark.parametrize("slack", [{"files_scope": False}], indirect=True)
async def test_sign_in_page_means_a_missing_scope(slack, claude, make_bot):
    await make_bot()
    photo = slack.add_file(png(), name="shot.png", mimetype="image/png")
    await slack.user_message(CH, "U0ALICE", "<@UBOT> see?", files=[photo])
    [reply] = await answered(slack, CH)
    assert any("files:read" in n for n in notices_of(reply))
    assert kinds(content_of(claude)) == ["text"]


async def test_too_big_files_are_not_downloaded(slack, claude, make_bot):
    await make_bot(MAX_FILE_MB="0.001")
    big = slack.add_file(png(300, 300) + b"\0" * 5000, name="big.png", mimetype="image/png")
    await slack.user_message(CH, "U0ALICE", "<@UBOT> see?", files=[big])
    [reply] = await answered(slack, CH)
    assert any("larger than 0.001 MB" in n for n in notices_of(reply))
    assert slack.calls_to("files.download") == []


async def test_slack_connect_stub_is_looked_up(slack, claude, make_bot):
    await make_bot()
    stub = slack.add_file(png(), name="shared.png", mimetype="image/png", stub=True)
    await slack.user_message(CH, "U0ALICE", "<@UBOT> see?", files=[stub])
    await answered(slack, CH)
    assert [c.params["file"] for c in slack.calls_to("files.info")] == [stub["id"]]
    assert kinds(content_of(claude)) == ["image", "text"]


async def test_the_token_never_leaves_slack(slack, claude, make_bot):
    await make_bot()
    async with OtherHost(body=png()) as foreign:
        outside = {**slack.add_file(png(), name="a.png", mimetype="image/png"),
                   "url_private_download": f"{foreign.origin}/steal/a.png"}
        redirect = slack.add_file(png(), name="b.png", mimetype="image/png")
        redirect["url_private_download"] = slack.add_redirect(
            "/files-pri/redirected/b.png", f"{foreign.origin}/elsewhere/b.png")
        await slack.user_message(CH, "U0ALICE", "<@UBOT> see?", files=[outside, redirect])
        [reply] = await answered(slack, CH)
    assert [r["path"] for r in foreign.requests] == ["/elsewhere/b.png"]  # only via redirect
    assert all("Authorization" not in r["headers"] for r in foreign.requests)
    assert any("`a.png`" in n and "not hosted on Slack" in n for n in notices_of(reply))
    assert kinds(content_of(claude)) == ["image", "text"]  # b.png came through the redirect


async def test_downloads_run_in_parallel(slack, claude, make_bot):
    await make_bot()
    files = [slack.add_file(png(), name=f"{n}.png", mimetype="image/png") for n in range(3)]
    slack.delay_next("files.download", 0.3, times=3)
    await slack.user_message(CH, "U0ALICE", "<@UBOT> all three", files=files)
    await answered(slack, CH)
    arrivals = sorted(c.at for c in slack.calls_to("files.download"))
    assert arrivals[-1] - arrivals[0] < 0.3  # all started before the first one finished


async def test_a_deleted_file_leaves_the_cache_and_the_conversation(slack, claude, make_bot):
    bot = await make_bot()
    photo = slack.add_file(png(), name="secret.png", mimetype="image/png")
    root = await slack.user_message(CH, "U0ALICE", "<@UBOT> look", files=[photo])
    await answered(slack, CH)
    await slack.delete_file(photo["id"])
    await slack.wait_for(lambda: photo["id"] not in bot.deps.files._cache, what="cache drop")
    await slack.user_message(CH, "U0ALICE", "and now?", thread_ts=root["ts"])
    [_, reply] = await answered(slack, CH, count=2)
    assert [kinds(t["content"]) for t in claude.requests[-1].body["messages"]] == [
        ["text"], ["text"], ["text"]]
    assert "secret.png" in notices_of(reply)[0]


PAGE = b"<!DOCTYPE html>\n<html><body><h1>Release notes</h1><p>Fixed a & b.</p></body></html>\n"


@pytest.mark.parametrize(("name", "mimetype", "content"), [
    ("notes.html", "text/html", PAGE), ("notes.htm", "text/html", PAGE),
    ("page.xml", "application/xml", PAGE.split(b"\n", 1)[1]),
    ("logo.svg", "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>')])
async def test_html_xml_and_svg_files_are_read_as_text(slack, claude, make_bot, name,
                                                       mimetype, content):
    await make_bot()
    shared = slack.add_file(content, name=name, mimetype=mimetype)
    await slack.user_message(CH, "U0ALICE", "<@UBOT> what changed?", files=[shared])
    [reply] = await answered(slack, CH)
    assert notices_of(reply) == []
    file_block = content_of(claude)[0]
    assert file_block["text"].startswith(f'<file name="{name}">\n{content.decode()[:20]}')


@pytest.mark.parametrize("slack", [{"files_scope": False}], indirect=True)
async def test_sign_in_page_instead_of_an_html_file_means_a_missing_scope(slack, claude,
                                                                          make_bot):
    await make_bot()
    shared = slack.add_file(PAGE, name="notes.html", mimetype="text/html")
    await slack.user_message(CH, "U0ALICE", "<@UBOT> what changed?", files=[shared])
    [reply] = await answered(slack, CH)
    assert any("files:read" in n and "`notes.html`" in n for n in notices_of(reply))
    assert kinds(content_of(claude)) == ["text"]
