"""Two bot processes sharing one PostgreSQL ledger enforce one person's daily limit together:
what one instance spent counts in the other's decision."""

from urllib.parse import urlsplit

from tests.e2e.helpers import answered
from tests.e2e.processes import start_bot_process, stop_bot

POLICY = "[limits]\nuser_daily = 0.0001\n"  # one answer (about $0.0004) uses it up


async def test_a_daily_limit_holds_across_two_processes(slack, claude, tmp_path, postgres):
    url = postgres.create_database()
    (tmp_path / "policy.toml").write_text(POLICY)
    settings = {"DATABASE_URL": url, "CLAUDE_POLICY": str(tmp_path / "policy.toml")}
    bots = []
    try:
        (tmp_path / "first").mkdir()
        bots.append(await start_bot_process(slack, claude, tmp_path / "first", **settings))
        await slack.wait_connected(1, timeout=60)
        await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> first question",
                                 events=("app_mention",))
        await answered(slack)
        database = urlsplit(url).path.lstrip("/")
        await slack.wait_for(lambda: postgres.sql(
            "SELECT count(*) FROM usage WHERE outcome = 'answered'", database).split()[2] == "1",
            timeout=30, what="the first answer's row in PostgreSQL")
        # A second process joins; Socket Mode deals the next two questions out one each.
        (tmp_path / "second").mkdir()
        bots.append(await start_bot_process(slack, claude, tmp_path / "second", **settings))
        await slack.wait_connected(2, timeout=60)
        for channel in ("C0RANDOM", "C0SUPPORT"):
            await slack.user_message(channel, "U0ALICE", "<@UBOT> and again",
                                     events=("app_mention",))
        await slack.wait_for(lambda: len(slack.ephemerals) == 2, timeout=30,
                             what="both processes refusing")
    finally:
        logs = [await stop_bot(bot) for bot in bots]
    assert len(claude.requests) == 1, logs  # nothing more was asked of Claude
    assert all("budget for today" in e["text"] for e in slack.ephemerals), slack.ephemerals
    assert {e["channel"] for e in slack.ephemerals} == {"C0RANDOM", "C0SUPPORT"}
