"""Slack messages → Claude messages (SPEC §3; pure)."""

from __future__ import annotations

import re

SYSTEM_PROMPT = (
    "You are Claude, an AI assistant made by Anthropic, talking with people inside Slack. "
    "A thread may have several people in it: each of their messages starts with their Slack "
    "mention, like <@U123>:, so you can tell them apart; mention someone the same way when you "
    "address them. Write standard Markdown (headings, lists, **bold**, `code`, fenced code "
    "blocks with a language, links): Slack renders it. This is a chat, so be direct and "
    "concise unless someone asks for depth."
)

_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>")
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


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
