"""Image links in people's messages (pure): which links Claude gets as images, and the notice
naming the links it could not use, read back from the bot's own messages so that later turns
of the thread leave them out, after a restart too.

A link whose path ends in .png, .jpg, .jpeg, .gif or .webp becomes
`{"type": "image", "source": {"type": "url", "url": …}}`, which Claude's servers download
themselves (platform.claude.com/docs/en/build-with-claude/vision, "URL-referenced images").
The bot never requests an address a message names: nobody can point it at the company's own
network. Only http(s) links to public host names are sent; localhost, IP literals, single-label
and special-use names (RFC 6761, 6762, 7686, 8375, ICANN's .internal) are internal addresses
Claude cannot reach anyway, and sending them would leak their names."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from ipaddress import ip_address
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.conversation import Me, notices_in, question_of
from bot.slack_text import escape_all, unescape

if TYPE_CHECKING:
    from bot.claude import ClaudeResult

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
MAX_URL = 2_048  # longer addresses are refused by many servers, and would crowd the notice
SPECIAL_TLDS = frozenset({"localhost", "local", "internal", "invalid", "test", "example",
                          "onion", "arpa", "localdomain", "lan", "home", "corp", "intranet"})
NOTICE = ":paperclip: Couldn't use the linked image"  # also how it is recognised later
NAMES_SHOWN = 8
SHOWN_CHARS = 300  # a longer address is shortened in the notice (and tried again next turn)

# Slack's `<url>` / `<url|label>` markup, or a bare address (a /claude question arrives as
# typed). Neither may hold whitespace, `<`, `>`, `|` or a backtick.
_LINK = re.compile(r"<(https?://[^\s<>|`]+)(?:\|[^<>]*)?>|(https?://[^\s<>|`]+)", re.I)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)  # code is quoted, not linked
_TRAILING = ".,;:!?)]}'\""  # punctuation after a bare address ends the sentence, not the link
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")
_TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
_NAMED = re.compile(r"`([^`]+)`")
# Claude's words for a linked image it could not use (see bot/devserver/claude_links.py)
_LINK_FAILURE = re.compile(r"download|could not process image|robots\.txt|url", re.I)


def public_host(host: str) -> bool:
    """Whether `host` is a public DNS name: not an IP literal, localhost, a single label or
    a special-use name."""
    host = host.lower().removesuffix(".")
    try:
        ip_address(host)
        return False
    except ValueError:
        pass
    try:
        host = host.encode("idna").decode("ascii")  # an internationalised name, as DNS has it
    except UnicodeError:
        return False
    *names, tld = host.split(".")
    return (bool(names) and len(host) <= 253 and all(_LABEL.fullmatch(n) for n in names)
            and bool(_TLD.fullmatch(tld)) and tld not in SPECIAL_TLDS)


def is_image_link(url: str) -> bool:
    """An http(s) address of a public host whose path ends in an image suffix."""
    if len(url) > MAX_URL:
        return False
    try:
        parts = urlsplit(url)
        return (parts.scheme in ("http", "https") and "@" not in parts.netloc
                and parts.port != 0 and public_host(parts.hostname or "")
                and parts.path.lower().endswith(IMAGE_SUFFIXES))
    except ValueError:  # a malformed address or port
        return False


def image_links(text: str) -> list[str]:
    """The image links of one message's Slack text, in order, each once."""
    found: list[str] = []
    for match in _LINK.finditer(_CODE.sub(" ", text)):
        url = unescape(match.group(1) or match.group(2).rstrip(_TRAILING))
        if url not in found and is_image_link(url):
            found.append(url)
    return found


def image_block(url: str) -> dict:
    return {"type": "image", "source": {"type": "url", "url": url}}


def _named_unusable(message: dict) -> set[str]:
    """The links a notice of one of the bot's messages said Claude could not use."""
    return {unescape(name) for notice in notices_in(message) if notice.startswith(NOTICE)
            for name in _NAMED.findall(notice) if not name.endswith("…")}


def linked_images(messages: list[dict], me: Me, asked_ts: str) -> dict[str, list[str]]:
    """The image links to send, by message ts: those of people's messages and of the question
    a /claude answer carries. A link the bot already said Claude could not use is left out,
    unless the message being answered names it again (worth a fresh try)."""
    unusable: set[str] = set()
    for message in messages:
        if me.wrote(message):
            unusable |= _named_unusable(message)
    links: dict[str, list[str]] = {}
    for message in messages:
        ts = message.get("ts", "")
        said = question_of(message) if me.wrote(message) else message
        urls = [url for url in image_links((said or {}).get("text") or "")
                if url not in unusable or ts == asked_ts]
        if urls:
            links[ts] = urls
    return links


def _is_linked(block: dict) -> bool:
    return block.get("type") == "image" and (block.get("source") or {}).get("type") == "url"


def links_in(turns: list[dict]) -> list[str]:
    return [block["source"]["url"] for turn in turns for block in turn["content"]
            if _is_linked(block)]


def without_links(turns: list[dict]) -> list[dict]:
    return [{**turn, "content": [b for b in turn["content"] if not _is_linked(b)]}
            for turn in turns]


def _shown(url: str) -> str:
    return escape_all(url if len(url) <= SHOWN_CHARS else url[:SHOWN_CHARS - 1] + "…")


def links_notice(urls: list[str]) -> str:
    """Plain words naming the links Claude could not use (never its raw error)."""
    names = ", ".join(f"`{_shown(url)}`" for url in urls[:NAMES_SHOWN])
    if len(urls) > NAMES_SHOWN:
        names += f" and {len(urls) - NAMES_SHOWN} more"
    if len(urls) == 1:
        return f"{NOTICE} {names}: Claude could not download or read it."
    return (f"{NOTICE}s {names}: Claude could not download or read at least one of them, so "
            "the answer went ahead without them.")


async def ask_with_links(ask: Callable[[list[dict]], Awaitable[ClaudeResult]],
                         turns: list[dict]) -> tuple[ClaudeResult, list[str]]:
    """Ask Claude; when it refuses a request holding linked images (HTTP 400: it could not
    download or read one, and its error does not say which), ask again at once without them.
    The result, and the notices to add."""
    result = await ask(turns)
    sent = list(dict.fromkeys(links_in(turns)))  # a link shared twice is named once
    if result.rejected is None or not sent:
        return result, []
    log.info("Claude refused a request with %d linked image(s): asking again without them",
             len(sent))
    again = await ask(without_links(turns))
    if again.rejected is not None and not _LINK_FAILURE.search(result.rejected):
        return result, []  # the links were not the trouble: the answer reports the first error
    return again, [links_notice(sent)]
