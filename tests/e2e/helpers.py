"""Reading the bot's answers back out of the Slack test server."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from bot.ledger import queries


def footer_of(message: dict) -> str | None:
    """The footer: the context block that names the model (tool progress lines and sources
    are context blocks too)."""
    found = [b["elements"][0]["text"] for b in message.get("blocks") or ()
             if b["type"] == "context" and b["elements"][0]["text"].startswith("`")]
    return found[-1] if found else None


def body_of(message: dict) -> str:
    return "".join(b["text"] for b in message.get("blocks") or () if b["type"] == "markdown")


def notices_of(message: dict) -> list[str]:
    return [b["text"]["text"] for b in message.get("blocks") or () if b["type"] == "section"]


def finished(slack, channel: str | None = None) -> list[dict]:
    return [m for m in slack.bot_messages(channel) if footer_of(m) or notices_of(m)
            and "Thinking" not in notices_of(m)[0]]


async def answered(slack, channel: str | None = None, count: int = 1,
                   timeout: float = 5.0) -> list[dict]:
    """Wait until `count` answers carry their footer (or a final notice); return them."""
    await slack.wait_for(lambda: len([m for m in slack.bot_messages(channel) if footer_of(m)])
                         >= count, timeout=timeout, what=f"{count} finished answer(s)")
    return [m for m in slack.bot_messages(channel) if footer_of(m)]


def no_stuck_placeholders(slack) -> bool:
    return not any("Thinking" in (m.get("text") or "") for m in slack.bot_messages())


async def ledger_rows(bot) -> list[SimpleNamespace]:
    """Every row of the bot's usage ledger, read back from its database."""
    await bot.deps.ledger.flush()
    since, until = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    return [SimpleNamespace(**row)
            async for row in queries.rows(bot.deps.ledger.engine, since, until)]


async def refusals(bot) -> list[SimpleNamespace]:
    return [row for row in await ledger_rows(bot) if row.outcome == "refused"]
