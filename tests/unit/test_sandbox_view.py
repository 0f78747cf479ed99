"""The sandbox page's view of the workspace: which answer is still being written, what changed."""

from bot.sandbox.view import Changes, workspace_view

BOT = "B0CLAUDE"


def bot_message(ts: str, *blocks: dict, thread_ts: str = "1.000100", **extra) -> dict:
    return {"ts": ts, "thread_ts": thread_ts, "bot_id": BOT, "user": "U0CLAUDE", "text": "",
            "blocks": list(blocks), **extra}


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


FOOTER = {"type": "context", "elements": [{"type": "mrkdwn", "text": "`m` · 1 in · 1 out"}]}
ROOT = {"ts": "1.000100", "user": "U0ALICE", "text": "<@U0CLAUDE> hi", "thread_ts": "1.000100"}


def working(*messages: dict) -> dict[str, bool]:
    channel = {m["ts"]: m for m in (ROOT, *messages)}
    return {ts: v["working"] for (_, ts), v in workspace_view({"C1": channel}, BOT).items()}


def test_a_placeholder_or_growing_answer_is_working_until_its_footer_or_notice():
    assert working(bot_message("1.000200", section("_Thinking…_")))["1.000200"]
    assert working(bot_message("1.000200", {"type": "markdown", "text": "Hel"}))["1.000200"]
    assert not working(bot_message("1.000200", {"type": "markdown", "text": "Hi"}, FOOTER))[
        "1.000200"]
    assert not working(bot_message("1.000200", section(":warning: No answer: overloaded.")))[
        "1.000200"]


def test_only_the_newest_message_of_a_long_answer_is_working():
    states = working(bot_message("1.000200", {"type": "markdown", "text": "part 1"}),
                     bot_message("1.000300", {"type": "markdown", "text": "part 2"}))
    assert states == {"1.000100": False, "1.000200": False, "1.000300": True}


def test_a_native_stream_is_working_until_it_is_stopped():
    assert working(bot_message("1.000200", streaming=True))["1.000200"]


def test_changes_name_new_edited_and_deleted_messages_once():
    changes = Changes()
    first = workspace_view({"C1": {"1.000100": ROOT}}, BOT)
    upserts, deletes = changes.since_last(first)
    assert [u["ts"] for u in upserts] == ["1.000100"] and deletes == []
    assert changes.since_last(first) == ([], [])
    edited = {**ROOT, "text": "edited"}
    upserts, _ = changes.since_last(workspace_view({"C1": {"1.000100": edited}}, BOT))
    assert upserts[0]["text"] == "edited"
    assert changes.since_last({}) == ([], [{"channel": "C1", "ts": "1.000100"}])


def test_tool_progress_is_no_footer_and_task_cards_are_drawn():
    progress = {"type": "context", "elements": [{"type": "mrkdwn", "text": "🔎 searching …"}]}
    assert working(bot_message("1.000200", progress, section("_Thinking…_")))["1.000200"]
    shared = bot_message("1.000300", files=[{"id": "F1", "name": "plot.png"}])
    assert not working(shared)["1.000300"]
    tasks = {"t1": {"type": "task_update", "id": "t1", "title": "🔎 searching the web",
                    "status": "complete", "output": "3 results"}}
    message = bot_message("1.000200", streaming=True, tasks=tasks)
    [view] = [v for (_, ts), v in workspace_view({"C1": {"1.000200": message}}, BOT).items()]
    assert view["blocks"][0]["elements"][0]["text"] == "✓ 🔎 searching the web — 3 results"
