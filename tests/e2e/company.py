"""Asking with the company's tools, and reading back what the bot sent Claude and showed Slack."""

from __future__ import annotations

from tests.e2e.helpers import answered


async def ask(slack, bot, text: str, *, channel: str = "C0GENERAL", user: str = "U0ALICE",
              count: int = 1, **how) -> str:
    """A person asks; wait for the answer (the `count`-th in the workspace) to finish and return
    everything the bot shows (texts, blocks, native task lines)."""
    await slack.user_message(channel, user, text, **how)
    await answered(slack, count=count)
    await bot.inflight.wait()
    return everything_shown(slack)


def _texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for key in ("text", "elements", "title", "output") if key in value
                for t in _texts(value[key])]
    if isinstance(value, list):
        return [t for item in value for t in _texts(item)]
    return []


def everything_shown(slack) -> str:
    shown = []
    for message in slack.bot_messages():
        shown += _texts(message.get("text") or "") + _texts(message.get("blocks") or [])
        for task in (message.get("tasks") or {}).values():
            done = {"complete": "done", "error": "failed"}.get(task["status"], "…")
            joint = ", " if done == "done" else ": "
            output = f"{joint}{task['output']}" if task.get("output") else ""
            shown.append(f"{task['title']} — {done}{output}")
    return "\n".join(shown)


def tool_names(body: dict) -> list[str]:
    return [t.get("name") or t.get("mcp_server_name") for t in body.get("tools") or []]


def tool_results(body: dict) -> list[dict]:
    return [block for message in body["messages"] if message["role"] == "user"
            and isinstance(message["content"], list) for block in message["content"]
            if block.get("type") == "tool_result"]
