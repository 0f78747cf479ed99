"""How the Slack double stores what an app posts, as Slack does.

`text` is mrkdwn: Slack keeps `&`, `<` and `>` only as the entities `&amp;`, `&lt;`, `&gt;`
and as its control sequences (`<@U…>`, `<#C…>`, `<!here>`, `<https://…|label>`), so a bare one
comes back from conversations.replies escaped (docs.slack.dev/messaging/formatting-message-text,
"Escaping text"). `markdown` blocks may be translated when stored ("passing a single block may
result in multiple blocks after translation", docs.slack.dev node-sdk `MarkdownBlock`); the
double can store them as `rich_text` blocks, one per paragraph or code block, to show a bot
that its own answers may not come back as it posted them."""

from __future__ import annotations

import re

from bot.slack_text import escape_all

_KEPT = re.compile(r"<(?:[@#!]|https?://|mailto:|tel:)[^<>\s][^<>]*>|&(?:amp|lt|gt);")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_FENCE = re.compile(r"^```[^\n]*\n(.*?)\n?```$", re.DOTALL)


def slack_escaped(text: str) -> str:
    """`text` as Slack stores it: bare `&`, `<`, `>` escaped, entities and control sequences
    kept."""
    out, pos = [], 0
    for match in _KEPT.finditer(text):
        out += [escape_all(text[pos:match.start()]), match.group()]
        pos = match.end()
    return "".join(out) + escape_all(text[pos:])


def _section(paragraph: str) -> dict:
    elements, pos = [], 0
    for match in _CODE_SPAN.finditer(paragraph):
        if match.start() > pos:
            elements.append({"type": "text", "text": paragraph[pos:match.start()]})
        elements.append({"type": "text", "text": match.group(1), "style": {"code": True}})
        pos = match.end()
    if pos < len(paragraph):
        elements.append({"type": "text", "text": paragraph[pos:]})
    return {"type": "rich_text_section", "elements": elements}


def _paragraphs(markdown: str) -> list[str]:
    """Blank-line separated paragraphs, a fenced code block kept whole."""
    found, current, fenced = [], [], False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                found.append("\n".join(current))
            current = []
            continue
        current.append(line)
    if current:
        found.append("\n".join(current))
    return found


def translated(blocks: list[dict]) -> list[dict]:
    """`markdown` blocks as `rich_text` blocks: paragraphs, inline code styled as code,
    fenced code as preformatted text. Other blocks are kept."""
    out = []
    for block in blocks:
        if block.get("type") != "markdown":
            out.append(block)
            continue
        for paragraph in _paragraphs(block.get("text") or ""):
            fence = _FENCE.match(paragraph)
            element = ({"type": "rich_text_preformatted",
                        "elements": [{"type": "text", "text": fence.group(1)}]}
                       if fence else _section(paragraph))
            out.append({"type": "rich_text", "elements": [element]})
    return out
