"""Reading the bot's answers back out of the Slack test server."""

from __future__ import annotations


def footer_of(message: dict) -> str | None:
    for block in message.get("blocks") or ():
        if block["type"] == "context":
            return block["elements"][0]["text"]
    return None


def body_of(message: dict) -> str:
    return "".join(b["text"] for b in message.get("blocks") or () if b["type"] == "markdown")


def notices_of(message: dict) -> list[str]:
    return [b["text"]["text"] for b in message.get("blocks") or () if b["type"] == "section"]


def finished(slack, channel: str | None = None) -> list[dict]:
    return [m for m in slack.bot_messages(channel) if footer_of(m) or notices_of(m)
            and "Thinking" not in notices_of(m)[0]]


async def answered(slack, channel: str | None = None, count: int = 1) -> list[dict]:
    """Wait until `count` answers carry their footer (or a final notice); return them."""
    await slack.wait_for(lambda: len([m for m in slack.bot_messages(channel) if footer_of(m)])
                         >= count, what=f"{count} finished answer(s)")
    return [m for m in slack.bot_messages(channel) if footer_of(m)]


def no_stuck_placeholders(slack) -> bool:
    return not any("Thinking" in (m.get("text") or "") for m in slack.bot_messages())
