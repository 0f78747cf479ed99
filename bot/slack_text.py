"""Slack's three escaped characters in message `text` (mrkdwn): `&`, `<` and `>` are written as
`&amp;`, `&lt;` and `&gt;`, so that `<…>` stays Slack's own markup
(docs.slack.dev/messaging/formatting-message-text, "Escaping text")."""

from __future__ import annotations

import re

_MENTION = re.compile(r"(<(?:@[UW]|#C)[A-Z0-9]+(?:\|[^<>]*)?>)")


def escape_all(text: str) -> str:
    """`text` shown literally, markup and all."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """`text` as mrkdwn shows it literally; people and channels (`<@U…>`, `<#C…>`) stay
    mentions, while `<!channel>` and the like are shown, never sent as a notification."""
    return "".join(part if index % 2 else escape_all(part)
                   for index, part in enumerate(_MENTION.split(text)))


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
