"""Counting a PDF's pages without a PDF library (pure)."""

import zlib

import pytest

from bot.attachments.pdf_pages import pdf_pages
from tests.pdfs import make_pdf


@pytest.mark.parametrize("pages", [1, 7, 101])
@pytest.mark.parametrize("compressed", [False, True])
def test_pages_plain_or_in_object_streams(pages, compressed):
    assert pdf_pages(make_pdf(pages, compressed=compressed)) == pages


def test_the_page_tree_count_when_no_page_object_is_visible():
    assert pdf_pages(b"%PDF-1.4\n2 0 obj << /Type /Pages /Count 12 /Kids [] >> endobj") == 12


def test_unreadable_counts_as_one_page_and_a_bomb_stays_bounded():
    assert pdf_pages(b"%PDF-1.7\n garbage") == 1
    bomb = zlib.compress(b"/Type /Page " * 1_000_000)  # 12 MB inflated
    data = (b"%PDF-1.5\n1 0 obj << /Type /ObjStm /Filter /FlateDecode >>\nstream\n" + bomb
            + b"\nendstream\nendobj\n")
    assert 1 < pdf_pages(data) < 1_000_000
