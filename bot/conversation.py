"""A Slack thread → Claude's messages (pure).

The bot's own messages become `assistant` turns (their Markdown only: no placeholder, notice
or footer); everyone else's become `user` turns that start with who said it. Consecutive
turns of one role are merged, and the first and last turns are `user`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.notices import REFUSED, is_notice
from bot.reply.citations import strip_markers
from bot.reply.render import THINKING

SYSTEM_PROMPT = (
    "You are Claude, an AI assistant made by Anthropic, talking with people inside Slack. "
    "A thread may have several people in it: each of their messages starts with their Slack "
    "mention, like <@U123>:, so you can tell them apart; mention someone the same way when you "
    "address them. Write standard Markdown (headings, lists, **bold**, `code`, fenced code "
    "blocks with a language, links): Slack renders it. This is a chat, so be direct and "
    "concise unless someone asks for depth."
)
QUESTION_EVENT = "claude_question"  # message metadata: the /claude question a message answers
LEFT_OUT = "[Earlier messages of this thread were left out here to fit the context window.]"
# Context windows in tokens; models not listed are assumed to have the smallest current one.
CONTEXT_WINDOWS = {"claude-haiku-4-5": 200_000, "claude-sonnet-4-5": 200_000,
                   "claude-opus-4-5": 200_000}
DEFAULT_CONTEXT = 200_000
LARGE_CONTEXT = 1_000_000  # every Claude 5.x model, and Opus/Sonnet 4.6+
_LARGE = re.compile(r"^claude-[a-z]+-(5|4-[6-9])")

_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>")
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_IGNORED_SUBTYPES = {"message_changed", "message_deleted", "channel_join", "channel_leave",
                     "group_join", "group_leave", "channel_topic", "channel_purpose",
                     "channel_name", "pinned_item", "unpinned_item", "tombstone"}


@dataclass(frozen=True)
class Me:
    """How the bot recognises its own messages."""

    user_id: str | None
    bot_id: str | None = None

    def wrote(self, message: dict) -> bool:
        return bool((self.user_id and message.get("user") == self.user_id)
                    or (self.bot_id and message.get("bot_id") == self.bot_id))


def decode_slack_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack's markup → what a person sees: links as `label (url)`, channels and groups by
    name, people kept as `<@U…>`, the bot's own mention removed, entities unescaped."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>\s?", "", text)
    text = _LINK.sub(lambda m: (f"{m.group(2)} ({m.group(1)})"
                                if m.group(2) and m.group(2) != m.group(1) else m.group(1)), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _SUBTEAM.sub(lambda m: m.group(2) or "@" + m.group(1), text)
    text = _USER.sub(lambda m: f"<@{m.group(1)}>", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def system_prompt(extra: str | None) -> list[dict]:
    text = SYSTEM_PROMPT + (f"\n\n{extra}" if extra else "")
    return [{"type": "text", "text": text}]


def said_by_bot(message: dict) -> str:
    """The answer text of one of the bot's messages, without status, notices or footer."""
    markdown = [b.get("text", "") for b in message.get("blocks") or ()
                if b.get("type") == "markdown"]
    if markdown:  # citation markers are Slack's, not what Claude said
        return strip_markers("\n".join(markdown)).strip()
    paragraphs = (message.get("text") or "").split("\n\n")
    if question_of(message):
        paragraphs = paragraphs[1:]  # the quoted question heads a /claude answer
    kept = []
    for paragraph in paragraphs:
        if is_notice(paragraph) or paragraph.strip() == THINKING:
            break
        kept.append(paragraph)
    return strip_markers("\n\n".join(kept)).strip()


def question_of(message: dict) -> dict | None:
    """The /claude question (user, text) a bot message answers, from its metadata."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if metadata.get("event_type") == QUESTION_EVENT and payload.get("user"):
        return payload
    return None


def _notices_and_footer(message: dict) -> list[str]:
    """What one of the bot's messages says beside the answer (its plain text when it has no
    blocks: the fallback that carries everything)."""
    blocks = message.get("blocks") or ()
    if not blocks:
        return [p for p in (message.get("text") or "").split("\n\n") if is_notice(p)]
    found = []
    for block in blocks:
        if block.get("type") == "context":
            found.append("footer")
        text = block.get("text")
        if block.get("type") == "section" and isinstance(text, dict) \
                and is_notice(text.get("text") or ""):
            found.append(text["text"])
    return found


def refused(message: dict) -> bool:
    """Whether one of the bot's messages ends an answer Claude refused."""
    return any(notice.startswith(REFUSED) for notice in _notices_and_footer(message))


def without_refused(messages: list[dict], me: Me) -> list[dict]:
    """The thread without the exchanges Claude refused, which it would otherwise keep refusing:
    each refused answer (all its messages) and its question (a /claude answer carries it;
    otherwise the people's messages since the bot's previous answer)."""
    kept: list[dict] = []
    for message in messages:
        if not (me.wrote(message) and refused(message)):
            kept.append(message)
            continue
        first = message
        while (kept and me.wrote(kept[-1]) and not question_of(first)
               and not _notices_and_footer(kept[-1])):
            first = kept.pop()  # an earlier message of the same long answer
        if not question_of(first):
            while kept and not me.wrote(kept[-1]):
                kept.pop()
    return kept


def user_text(user: str | None, text: str, bot_user_id: str | None) -> str:
    said = decode_slack_text(text, bot_user_id)
    return f"<@{user or 'someone'}>: {said}" if said else f"<@{user or 'someone'}>:"


def _turn(role: str, content: list[dict]) -> dict:
    return {"role": role, "content": content}


def thread_units(messages: list[dict], me: Me,
                 attachments: dict[str, list[dict]] | None = None) -> list[dict]:
    """One turn per message of a thread (oldest first), not merged yet. `attachments` maps a
    message ts to the content blocks of its files, which go before that message's text."""
    units: list[dict] = []
    for message in without_refused(messages, me):
        if message.get("subtype") in _IGNORED_SUBTYPES:
            continue
        if me.wrote(message):
            question = question_of(message)
            if question:
                units.append(_turn("user", [{"type": "text", "text": user_text(
                    question["user"], question.get("text", ""), me.user_id)}]))
            said = said_by_bot(message)
            if said:
                units.append(_turn("assistant", [{"type": "text", "text": said}]))
            continue
        files = (attachments or {}).get(message.get("ts", ""), [])
        speaker = message.get("user") or message.get("bot_id")
        text = user_text(speaker, message.get("text") or "", me.user_id)
        units.append(_turn("user", [*files, {"type": "text", "text": text}]))
    return units


def merge_turns(units: list[dict]) -> list[dict]:
    """Consecutive turns of one role become one; the first and last turns are `user`."""
    turns: list[dict] = []
    for unit in units:
        if turns and turns[-1]["role"] == unit["role"]:
            turns[-1] = _turn(unit["role"], turns[-1]["content"] + unit["content"])
        else:
            turns.append(unit)
    while turns and turns[0]["role"] != "user":
        turns.pop(0)
    while turns and turns[-1]["role"] != "user":
        turns.pop()
    return turns


def context_window(model: str) -> int:
    base = re.sub(r"-\d{8}$", "", model)
    if base in CONTEXT_WINDOWS:
        return CONTEXT_WINDOWS[base]
    return LARGE_CONTEXT if _LARGE.match(base) else DEFAULT_CONTEXT


def estimate_tokens(content: list[dict] | str) -> int:
    """A safe over-estimate: 1 token per 3 characters of text (Claude's tokenizer averages
    nearer 4), 1,600 per image (the most a normalised image costs), and for a PDF 3,000 per
    page, guessing a page per 20 KB."""
    if isinstance(content, str):
        return math.ceil(len(content) / 3)
    total = 0
    for block in content:
        kind = block.get("type")
        if kind == "text":
            total += math.ceil(len(block["text"]) / 3)
        elif kind == "image":
            total += 1_600
        elif kind == "document":
            size = len(block.get("source", {}).get("data", "")) * 3 // 4
            total += 3_000 * max(1, math.ceil(size / 20_000))
        else:
            total += math.ceil(len(str(block)) / 3)
    return total + 4


def fit_context(units: list[dict], budget: int) -> tuple[list[dict], bool]:
    """Drop the oldest messages (the first user message stays) until the estimate fits
    `budget`, marking where something was left out. Returns the units and whether any went."""
    while units and units[0]["role"] != "user":
        units = units[1:]
    sizes = [estimate_tokens(u["content"]) for u in units]
    if sum(sizes) <= budget or len(units) <= 2:
        return units, False
    kept_from = len(units) - 1  # the newest message, the one being answered, always stays
    used = sizes[0] + sizes[-1] + estimate_tokens(LEFT_OUT)
    while kept_from > 1 and used + sizes[kept_from - 1] <= budget:
        kept_from -= 1
        used += sizes[kept_from]
    if kept_from == 1:
        return units, False
    marker = _turn("user", [{"type": "text", "text": LEFT_OUT}])
    return [units[0], marker, *units[kept_from:]], True
