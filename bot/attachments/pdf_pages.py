"""How many pages a PDF has, without a PDF library (pure): Claude takes at most 100 PDF pages
per request, so the bot must know before it sends one.

Each page is a `/Type /Page` object, written out plainly or packed into compressed object
streams (PDF 1.5+). Both are counted; older revisions left in an incrementally updated file
can make the count too high, never too low, which errs on the safe side."""

from __future__ import annotations

import re
import zlib

_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm")
_STREAM_START = re.compile(rb"stream\r?\n")
DICTIONARY_BYTES = 2_000  # how far an object stream's dictionary may reach around /ObjStm
MAX_OBJECT_STREAMS = 1_000  # real files have a few dozen; a hostile one must stay fast
_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b")
MAX_INFLATED = 8 * 1024 * 1024  # all object streams together: bombs stay cheap


def _inflate(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        return inflater.decompress(data, limit)
    except zlib.error:
        return b""


def pdf_pages(data: bytes) -> int:
    """The number of pages in `data` (at least 1: a PDF whose pages cannot be found still
    counts as one)."""
    pages = len(_PAGE.findall(data))
    budget = MAX_INFLATED
    for index, match in enumerate(_OBJECT_STREAM.finditer(data)):
        if index == MAX_OBJECT_STREAMS or budget <= 0:
            break
        start = _STREAM_START.search(data, match.end(), match.end() + DICTIONARY_BYTES)
        dictionary = data[max(0, match.start() - DICTIONARY_BYTES):start.start() if start else 0]
        end = data.find(b"endstream", start.end()) if start else -1
        if b"/FlateDecode" in dictionary and end > 0:
            inflated = _inflate(data[start.end():end], budget)
            budget -= len(inflated)
            pages += len(_PAGE.findall(inflated))
    if pages == 0:  # no page objects found: trust the page tree's own count
        counts = [int(a or b) for a, b in _COUNT.findall(data)]
        pages = max(counts, default=0)
    return max(pages, 1)
