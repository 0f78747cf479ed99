"""What kind of file a Slack file is, and PDFs and text files as Claude content (pure)."""

from __future__ import annotations

import base64
from pathlib import PurePosixPath

MAX_TEXT_CHARS = 100_000  # about 25,000 tokens: one file must not crowd out the conversation

TEXT_MIMETYPES = {"application/json", "application/xml", "application/x-yaml",
                  "application/yaml", "application/javascript", "application/x-sh",
                  "application/sql", "application/toml", "application/x-python",
                  "application/csv", "application/x-ndjson"}
TEXT_EXTENSIONS = {
    "txt", "md", "markdown", "rst", "csv", "tsv", "json", "jsonl", "ndjson", "yaml", "yml",
    "toml", "ini", "cfg", "conf", "env", "log", "xml", "html", "htm", "css", "scss", "sql",
    "py", "pyi", "ipynb", "js", "mjs", "cjs", "ts", "tsx", "jsx", "vue", "svelte", "go", "rs",
    "java", "kt", "kts", "scala", "swift", "c", "h", "cc", "cpp", "hpp", "cs", "m", "mm", "rb",
    "php", "pl", "lua", "r", "dart", "ex", "exs", "erl", "hs", "clj", "sh", "bash", "zsh",
    "fish", "ps1", "bat", "dockerfile", "makefile", "gradle", "proto", "graphql", "tf", "hcl",
    "diff", "patch", "svg", "tex", "sol", "zig", "nim", "jl", "groovy", "vb", "asm", "s",
}
# Slack's own `filetype` names for snippets and code files.
TEXT_FILETYPES = TEXT_EXTENSIONS | {"text", "python", "javascript", "typescript", "shell",
                                    "markdown", "post", "csharp", "objc", "ruby", "rust",
                                    "kotlin", "golang", "powershell"}
# Text files whose content is itself markup, so an HTML body is no sign that Slack answered
# with its sign-in page instead of the file.
MARKUP_TYPES = {"html", "htm", "xhtml", "xml", "svg"}
MARKUP_MIMETYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml",
                    "image/svg+xml"}
IMAGE_FILETYPES = {"jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "bmp", "tif", "tiff",
                   "avif", "ico", "mpo"}


def kind_of(file: dict) -> str:
    """image | pdf | text | other, from what Slack says about the file (checked again
    against the bytes once downloaded)."""
    mimetype = (file.get("mimetype") or "").lower()
    filetype = (file.get("filetype") or "").lower()
    name = file.get("name") or ""
    suffix = PurePosixPath(name.lower()).suffix.lstrip(".") or name.lower()
    if mimetype.startswith("image/") and "svg" not in mimetype or filetype in IMAGE_FILETYPES:
        return "image"
    if mimetype == "application/pdf" or filetype == "pdf" or suffix == "pdf":
        return "pdf"
    if (mimetype.startswith("text/") or mimetype in TEXT_MIMETYPES or filetype in TEXT_FILETYPES
            or suffix in TEXT_EXTENSIONS):
        return "text"
    return "other"


def is_markup(file: dict) -> bool:
    """Whether the file is declared HTML, XML or SVG (by its mimetype, filetype or name)."""
    mimetype = (file.get("mimetype") or "").lower()
    name = (file.get("name") or "").lower()
    return (mimetype in MARKUP_MIMETYPES or (file.get("filetype") or "").lower() in MARKUP_TYPES
            or PurePosixPath(name).suffix.lstrip(".") in MARKUP_TYPES)


def pdf_block(data: bytes, name: str) -> dict:
    if not data.lstrip()[:5] == b"%PDF-":
        raise ValueError("it is not a valid PDF")
    return {"type": "document", "title": name[:500] or "document.pdf",
            "source": {"type": "base64", "media_type": "application/pdf",
                       "data": base64.b64encode(data).decode("ascii")}}


def text_block(data: bytes, name: str) -> tuple[dict, bool]:
    """The file as a text block, and whether it had to be cut to MAX_TEXT_CHARS."""
    if b"\x00" in data[:8192]:
        raise ValueError("it looks like a binary file, not text")
    text = data.decode("utf-8", errors="replace")
    cut = len(text) > MAX_TEXT_CHARS
    shown = text[:MAX_TEXT_CHARS]
    note = f"\n[… cut here: the file has {len(text):,} characters]" if cut else ""
    return {"type": "text", "text": f'<file name="{name}">\n{shown}{note}\n</file>'}, cut
