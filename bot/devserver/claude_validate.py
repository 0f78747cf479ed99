"""What the Anthropic Messages API (2026-10-21) refuses, for the Claude double: unknown or
removed fields (temperature, top_p, top_k), malformed messages and blocks, images that are not
what they claim or too big, more than 100 PDF pages or more media than the model takes, too
many cache breakpoints; and a token estimate for count_tokens. (Bodies over 32 MB never get
here: the server answers 413 first, as Cloudflare does in front of the real API.)
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib

from .claude_tools import check_tool_blocks, check_tools

# Top-level fields accepted by count_tokens; /v1/messages takes a few more. temperature, top_p
# and top_k were removed in API version 2026-10-21, so they are rejected like any unknown field.
COUNT_FIELDS = {"model", "messages", "system", "thinking", "output_config", "cache_control"}
COUNT_FIELDS |= {"tools", "tool_choice", "context_management", "mcp_servers", "speed"}
MESSAGE_FIELDS = COUNT_FIELDS | {"max_tokens", "stream", "metadata", "stop_sequences"}
MESSAGE_FIELDS |= {"service_tier", "container", "diagnostics", "inference_geo"}
MAGIC = {  # leading bytes per media type; WebP also has "WEBP" at offset 8
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF",),
}
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
MAX_IMAGE_B64 = 5 * 1024 * 1024  # the limit applies to the base64 string, not the raw bytes
TOKENS_PER_ATTACHMENT = 1600
EFFORTS = ("low", "medium", "high", "xhigh", "max")
MAX_PDF_PAGES = 100
# Images + PDF pages per request: 100 for the 200K-context models, 600 for the rest (vision docs).
SMALL_CONTEXT_MODELS = ("claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5")
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)


def _pdf_pages(raw: bytes) -> int:
    """Page objects, plain or inside any compressed stream."""
    pages = len(_PAGE.findall(raw))
    for data in _STREAM.findall(raw):
        try:
            pages += len(_PAGE.findall(zlib.decompressobj().decompress(data)))
        except zlib.error:
            continue
    return max(pages, 1)


def _check_media(body: dict) -> str | None:
    images = pages = 0
    for msg in body["messages"]:
        for block in msg["content"] if isinstance(msg["content"], list) else ():
            source = block.get("source") if isinstance(block.get("source"), dict) else {}
            if block["type"] == "image":
                images += 1
            elif block["type"] == "document" and source.get("media_type") == "application/pdf":
                pages += _pdf_pages(base64.b64decode(source.get("data") or ""))
    if pages > MAX_PDF_PAGES:
        return f"A maximum of {MAX_PDF_PAGES} PDF pages may be provided."
    limit = 100 if str(body["model"]).startswith(SMALL_CONTEXT_MODELS) else 600
    if pages + images > limit:
        return f"Too much media: {pages} document pages + {images} images > {limit}"
    return None


def _check_output_config(config: object) -> str | None:
    if not isinstance(config, dict):
        return "output_config: Input should be a valid dictionary"
    for key in config:
        if key not in ("effort", "format"):
            return f"output_config.{key}: Extra inputs are not permitted"
    if config.get("effort") not in (None, *EFFORTS):
        return ("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' "
                "or 'max'")
    return None


def _check_source(block: dict, where: str, counting: bool) -> str | None:
    kind, source = block["type"], block.get("source")
    stype = source.get("type") if isinstance(source, dict) else None
    if stype in ("url", "file") or (kind == "document" and stype in ("text", "content")):
        # Not inspectable here; count_tokens refuses url and file sources like the real API.
        if counting and stype in ("url", "file"):
            return f"{where}.{kind}.source: {stype} sources are not supported for token counting"
        return None
    if stype != "base64":
        return f"{where}.{kind}.source.type: Input should be 'base64', 'url' or 'file'"
    allowed = IMAGE_TYPES if kind == "image" else ("application/pdf",)
    media, data = source.get("media_type"), source.get("data")
    if media not in allowed:
        wanted = " or ".join(repr(m) for m in allowed)
        return f"{where}.{kind}.source.base64.media_type: Input should be {wanted}"
    if kind == "image" and isinstance(data, str) and len(data) > MAX_IMAGE_B64:
        return (
            f"{where}.image.source.base64: image exceeds 5 MB maximum: "
            f"{len(data)} bytes > {MAX_IMAGE_B64} bytes"
        )
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return f"{where}.{kind}.source.base64.data: invalid base64 data"
    if raw.startswith(MAGIC[media]) and (media != "image/webp" or raw[8:12] == b"WEBP"):
        return None
    if kind == "image":
        problem = f"Image does not match the provided media type {media}"
        return f"{where}.image.source.base64.data: {problem}"
    return f"{where}.document.source.base64.data: The PDF specified was not valid."


def _check_content(content: object, where: str, role: str, counting: bool) -> str | None:
    if content is None or content == "" or content == []:
        return (
            f"{where}: all messages must have non-empty content except for the optional "
            "final assistant message"
        )
    empty_text = f"{where.split('.')[0]}: text content blocks must be non-empty"
    if isinstance(content, str):
        return None if content.strip() else empty_text
    if not isinstance(content, list):
        return f"{where}.content: Input should be a valid list"
    for j, block in enumerate(content):
        here = f"{where}.content.{j}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            return f"{here}.type: Field required"
        kind, text = block["type"], block.get("text")
        if kind == "text" and (not isinstance(text, str) or not text.strip()):
            return empty_text
        if kind == "document" and role == "assistant":
            return f"{here}: document blocks are not permitted in assistant messages"
        if kind in ("image", "document") and (error := _check_source(block, here, counting)):
            return error
    return None


def _breakpoints(body: dict) -> int:
    """cache_control markers: top-level (counts as one), system, tools and message blocks."""
    blocks = [b for b in (body.get("tools") or []) if isinstance(b, dict)]
    if isinstance(body.get("system"), list):
        blocks += body["system"]
    for msg in body["messages"]:
        if isinstance(msg["content"], list):
            blocks += msg["content"]
    return bool(body.get("cache_control")) + sum(bool(b.get("cache_control")) for b in blocks)


def validate(body: dict, counting: bool = False) -> str | None:
    """The 400 message the real API would give for `body`, or None if it would be accepted."""
    for key in body:
        if key not in (COUNT_FIELDS if counting else MESSAGE_FIELDS):
            return f"{key}: Extra inputs are not permitted"
    for key in ("model", "messages") if counting else ("model", "max_tokens", "messages"):
        if key not in body:
            return f"{key}: Field required"
    if not counting and (not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1):
        return "max_tokens: Input should be greater than or equal to 1"
    if "output_config" in body and (error := _check_output_config(body["output_config"])):
        return error
    system = body.get("system")
    if isinstance(system, list) and system:
        if not all(isinstance(b, dict) and b.get("type") == "text" for b in system):
            return "system: Input should be a valid string or a list of text blocks"
        if error := _check_content(system, "system", "system", counting):
            return error
    elif system is not None and not isinstance(system, (str, list)):
        return "system: Input should be a valid string or a list of text blocks"
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            return f"messages.{i}: Input should be a valid dictionary"
        if msg.get("role") not in ("user", "assistant"):
            return f"messages.{i}.role: Input should be 'user' or 'assistant'"
        if i == 0 and msg["role"] != "user":
            return 'messages: first message must use the "user" role'
        if error := _check_content(msg.get("content"), f"messages.{i}", msg["role"], counting):
            return error
    if "tools" in body and (error := check_tools(body["tools"])):
        return error
    if error := check_tool_blocks(messages):
        return error
    if error := _check_media(body):
        return error
    if (found := _breakpoints(body)) > 4:
        return f"A maximum of 4 blocks with cache_control may be provided. Found {found}."
    return None


def count_tokens(body: dict) -> int:
    """Estimate: characters of text in system + messages // 4, plus 1,600 per image/document."""
    system = body.get("system")
    blocks = [{"type": "text", "text": system}] if isinstance(system, str) else list(system or [])
    for msg in body["messages"]:
        content = msg["content"]
        blocks += [{"type": "text", "text": content}] if isinstance(content, str) else content
    chars = sum(len(b["text"]) for b in blocks if b["type"] == "text")
    attachments = sum(b["type"] in ("image", "document") for b in blocks)
    return chars // 4 + TOKENS_PER_ATTACHMENT * attachments
