"""The offline Claude of the sandbox: the project's Claude server (bot/devserver/claude.py),
answering every request with a Markdown description of what the bot sent — turns, speakers,
images with their size and token estimate, image links, documents — streamed at a readable
pace with usage counted from the request itself; with tools offered, labelled fake tool calls
come first (standin_tools.py)."""

from __future__ import annotations

import base64
import binascii
import io
import math
import re

from PIL import Image, UnidentifiedImageError

from bot.devserver.claude import ClaudeServer, Reply
from bot.sandbox.standin_company import company_script
from bot.sandbox.standin_tools import tool_script

ANSWER_SECONDS = 4.0  # how long one answer takes to stream: readable, yet quick to try
THINKING_SECONDS = 0.6  # before the first word, so the placeholder is seen
TOKENS_PER_PDF_PAGE = 1_500  # roughly what a page of text and its picture cost
IMAGE_PIXELS_PER_TOKEN = 750  # Claude: an image costs about width × height / 750 tokens
IMAGE_TOKENS = 1_600  # at most, for an image Claude fetches: it scales larger ones down
LINK_CHARS = 80  # of a linked image's address shown in the table
_SPEAKER = re.compile(r"<@([UW][A-Z0-9]+)>:")
_FILE = re.compile(r'^<file name="([^"]*)">\n(.*)\n</file>$', re.S)
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


def standin_server(seconds: float = ANSWER_SECONDS) -> ClaudeServer:
    server = ClaudeServer(api_key="sk-ant-sandbox-offline")
    server.responder = lambda body: describe(body, seconds, server)
    server.links = None  # offline: a linked image is reported, never fetched
    return server


def describe(body: dict, seconds: float = ANSWER_SECONDS,
             server: ClaudeServer | None = None) -> Reply:
    """The stand-in's answer to one Messages request."""
    script, stop = company_script(body)
    if stop:  # a client tool first: the bot runs it and asks again
        return Reply(text="", stop_reason=stop, script=script,
                     first_delay=min(THINKING_SECONDS, seconds / 4))
    turns = body.get("messages") or []
    speakers: list[str] = []
    files: list[tuple[str, str, str, int]] = []  # name, kind, detail, tokens
    text_chars = len(_system_text(body.get("system")))
    last_said = ""
    for turn in turns:
        content = turn.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for block in blocks or ():
            kind = block.get("type")
            if kind == "text":
                text_chars += len(block.get("text", ""))
                if turn.get("role") == "user":
                    last_said = _note_text(block["text"], speakers, files) or last_said
            elif kind == "image":
                files.append(_image(block, sum(f[1] == "image" for f in files) + 1))
            elif kind == "document":
                files.append(_pdf(block))
    text = _answer(body, turns, speakers, files, last_said)
    chunk = max(3, math.ceil(len(text) / max(1.0, seconds * 15)))  # about 15 updates a second
    steps = max(1, math.ceil(len(text) / chunk))
    if server and body.get("tools"):
        script = [*tool_script(server, body, last_said), *script]
    return Reply(text=text, chunk_chars=chunk, delay=seconds / steps, script=script or None,
                 first_delay=min(THINKING_SECONDS, seconds / 4), ping_every=5,
                 input_tokens=text_chars // 4 + sum(f[3] for f in files),
                 output_tokens=max(1, len(text) // 4))


def _system_text(system: object) -> str:
    if isinstance(system, str):
        return system
    return "".join(b.get("text", "") for b in system or () if isinstance(b, dict))


def _note_text(text: str, speakers: list[str], files: list) -> str:
    """Record who spoke and which text files came along; the words said, if any."""
    match = _FILE.match(text)
    if match:
        name, content = match.groups()
        files.append((name, "text file", f"{len(content):,} characters", len(content) // 4))
        return ""
    for user in _SPEAKER.findall(text):
        if user not in speakers:
            speakers.append(user)
    return _SPEAKER.sub("", text).strip()


def _image(block: dict, number: int) -> tuple[str, str, str, int]:
    source = block.get("source") or {}
    name = f"image {number}"
    if source.get("type") == "url":  # Claude's servers would fetch it; nothing is fetched here
        url = str(source.get("url", "")).replace("|", "%7C")
        shown = url if len(url) <= LINK_CHARS else url[:LINK_CHARS - 1] + "…"
        return name, "image link", f"{shown} (Claude fetches it; not fetched offline)", \
            IMAGE_TOKENS
    try:
        data = base64.b64decode(source.get("data", ""), validate=True)
        width, height = Image.open(io.BytesIO(data)).size
    except (binascii.Error, ValueError, UnidentifiedImageError):
        return name, "image", "unreadable", 0
    tokens = math.ceil(width * height / IMAGE_PIXELS_PER_TOKEN)
    detail = f"{width}×{height} px, {source.get('media_type', '?')}, {_size(len(data))}"
    return name, "image", detail, tokens


def _pdf(block: dict) -> tuple[str, str, str, int]:
    source = block.get("source") or {}
    try:
        data = base64.b64decode(source.get("data", ""))
    except (binascii.Error, ValueError):
        data = b""
    pages = max(1, len(_PDF_PAGE.findall(data)))
    detail = f"{pages} page{'s' * (pages != 1)}, {_size(len(data))}"
    return block.get("title") or "document", "PDF", detail, pages * TOKENS_PER_PDF_PAGE


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{max(1, round(n / 1000))} KB"


def _answer(body: dict, turns: list, speakers: list[str], files: list, last_said: str) -> str:
    people = sum(t.get("role") == "user" for t in turns)
    mine = len(turns) - people
    lines = [
        "**Offline stand-in** — no Claude model was asked. "
        "Set `ANTHROPIC_API_KEY` to talk to the real Claude. This is what the bot sent:",
        "",
        f"- **Model:** `{body.get('model', '?')}`, up to {body.get('max_tokens', 0):,} "
        "output tokens",
        f"- **Turns:** {len(turns)} ({people} from people, {mine} from Claude)",
        f"- **Speakers:** {', '.join(f'<@{u}>' for u in speakers) or 'none named'}",
    ]
    if last_said:
        quoted = last_said if len(last_said) <= 300 else last_said[:299] + "…"
        lines += ["", "**You said:**", "", *(f"> {line}" for line in quoted.splitlines())]
    if files:
        lines += ["", "| File | Kind | Details | Tokens (est.) |", "|---|---|---|---|"]
        lines += [f"| {name} | {kind} | {detail} | {tokens:,} |"
                  for name, kind, detail, tokens in files]
    else:
        lines += ["", "No files came with this conversation."]
    lines += ["", "_Everything else — threads, files, notices, the footer, limits and the "
              "ledger — is the real bot at work._"]
    return "\n".join(lines)
