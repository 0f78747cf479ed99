"""Small, valid-enough PDFs with a chosen number of pages, for tests."""

from __future__ import annotations

import zlib


def make_pdf(pages: int, *, compressed: bool = False, padding: int = 0) -> bytes:
    """A PDF with `pages` pages: page objects written out plainly, or packed into one
    compressed object stream (as PDF 1.5+ writers do). `padding` adds that many bytes of
    content stream, to make a large file."""
    kids = " ".join(f"{n + 3} 0 R" for n in range(pages))
    page_objects = ["<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
                    for _ in range(pages)]
    out = [b"%PDF-1.5\n", b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
           f"2 0 obj\n<< /Type /Pages /Kids [{kids}] /Count {pages} >>\nendobj\n".encode()]
    if compressed:
        header = " ".join(f"{n + 3} {i * 80}" for n, i in zip(range(pages), range(pages),
                                                             strict=True))
        body = "".join(obj.ljust(80) for obj in page_objects)
        data = zlib.compress((header + "\n" + body).encode())
        number = pages + 3
        out.append(f"{number} 0 obj\n<< /Type /ObjStm /N {pages} /First {len(header) + 1} "
                   f"/Filter /FlateDecode /Length {len(data)} >>\nstream\n".encode()
                   + data + b"\nendstream\nendobj\n")
    else:
        out += [f"{n + 3} 0 obj\n{obj}\nendobj\n".encode() for n, obj in enumerate(page_objects)]
    if padding:
        out.append(f"{pages + 4} 0 obj\n<< /Length {padding} >>\nstream\n".encode()
                   + b"%" * padding + b"\nendstream\nendobj\n")
    out.append(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
    return b"".join(out)
