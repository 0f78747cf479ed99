"""Slack's `rich_text` blocks → Markdown (pure): how the bot reads back an answer of its own that
Slack stored translated (a `markdown` block may come back as several other blocks, and the form
of a streamed message is not documented), so its words reach Claude again."""

from __future__ import annotations

_MARKS = (("code", "`"), ("bold", "**"), ("italic", "_"), ("strike", "~~"))


def _inline(element: dict) -> str:
    kind = element.get("type")
    if kind == "text":
        text = element.get("text") or ""
        style = element.get("style") or {}
        for name, mark in _MARKS:
            if style.get(name) and text.strip():
                text = f"{mark}{text}{mark}"
        return text
    if kind == "link":
        url = element.get("url") or ""
        return f"[{element['text']}]({url})" if element.get("text") else url
    if kind == "user":
        return f"<@{element.get('user_id', '')}>"
    if kind == "channel":
        return f"<#{element.get('channel_id', '')}>"
    if kind == "emoji":
        return f":{element.get('name', '')}:"
    if kind == "broadcast":
        return f"@{element.get('range', '')}"
    return element.get("text") or ""


def _line(element: dict) -> str:
    return "".join(_inline(e) for e in element.get("elements") or ())


def _part(element: dict) -> str:
    kind = element.get("type")
    if kind == "rich_text_preformatted":
        return f"```\n{_line(element).rstrip(chr(10))}\n```"
    if kind == "rich_text_quote":
        return "\n".join("> " + line for line in _line(element).split("\n"))
    if kind == "rich_text_list":
        ordered = element.get("style") == "ordered"
        indent = "  " * int(element.get("indent") or 0)
        return "\n".join(f"{indent}{f'{n}.' if ordered else '-'} {_line(item)}"
                         for n, item in enumerate(element.get("elements") or (), 1))
    return _line(element)


def rich_text_markdown(block: dict) -> str:
    """One rich_text block as Markdown: sections, lists, quotes and code blocks."""
    return "\n".join(_part(e) for e in block.get("elements") or ()).strip("\n")
