"""Which files are which, and PDFs and text as Claude content (pure)."""

import base64

import pytest

from bot.attachments.documents import MAX_TEXT_CHARS, kind_of, pdf_block, text_block


@pytest.mark.parametrize("file, kind", [
    ({"mimetype": "image/png", "name": "a.png"}, "image"),
    ({"mimetype": "application/octet-stream", "filetype": "heic", "name": "IMG_1.HEIC"}, "image"),
    ({"mimetype": "image/svg+xml", "name": "logo.svg"}, "text"),
    ({"mimetype": "application/pdf", "name": "spec.pdf"}, "pdf"),
    ({"mimetype": "text/plain", "filetype": "python", "name": "main.py"}, "text"),
    ({"mimetype": "application/octet-stream", "name": "Dockerfile"}, "text"),
    ({"mimetype": "application/json", "name": "data.json"}, "text"),
    ({"mimetype": "application/zip", "name": "stuff.zip"}, "other"),
    ({"mimetype": "video/mp4", "name": "clip.mp4"}, "other"),
    ({}, "other"),
])
def test_kind_of(file, kind):
    assert kind_of(file) == kind


def test_pdf_block():
    block = pdf_block(b"%PDF-1.7\n...", "spec.pdf")
    assert block["source"]["media_type"] == "application/pdf"
    assert base64.b64decode(block["source"]["data"]) == b"%PDF-1.7\n..."
    assert block["title"] == "spec.pdf"
    with pytest.raises(ValueError, match="not a valid PDF"):
        pdf_block(b"<html>sign in</html>", "x.pdf")


def test_text_block_names_the_file_and_cuts_huge_ones():
    block, cut = text_block(b"print('hi')\n", "main.py")
    assert block == {"type": "text", "text": "<file name=\"main.py\">\nprint('hi')\n\n</file>"}
    assert not cut
    block, cut = text_block(b"x" * (MAX_TEXT_CHARS + 10), "big.log")
    assert cut and "cut here" in block["text"] and len(block["text"]) < MAX_TEXT_CHARS + 200
    with pytest.raises(ValueError, match="binary"):
        text_block(b"\x00\x01\x02", "blob.txt")


def test_invalid_utf8_is_replaced_not_fatal():
    block, _ = text_block(b"caf\xe9", "latin1.txt")
    assert "caf\ufffd" in block["text"]
