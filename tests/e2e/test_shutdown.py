"""SIGTERM: stop taking events, let answers finish within the grace
period, mark the rest interrupted, exit cleanly."""

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered, body_of, footer_of, no_stuck_placeholders, notices_of
from tests.e2e.processes import start_bot_process, stop_bot


async def test_an_answer_finishing_within_the_grace_period_completes(slack, claude, tmp_path):
    claude.default = Reply(text="Finished in time. " * 10, chunk_chars=10, delay=0.03)
    bot = await start_bot_process(slack, claude, tmp_path, SHUTDOWN_GRACE_SECONDS="10")
    await slack.wait_connected(timeout=20)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> go")
    await claude.wait_for(lambda: claude.requests, what="the Claude request")
    bot.terminate()
    await slack.wait_for(lambda: slack.connections == 0, what="the bot to stop taking events")
    [reply] = await answered(slack)
    logs = await stop_bot(bot)
    assert bot.returncode == 0, logs
    assert body_of(reply) == "Finished in time. " * 10 and footer_of(reply)


async def test_an_answer_past_the_grace_period_is_marked_interrupted(slack, claude, tmp_path):
    claude.default = Reply(text="This will take a long while. " * 50, chunk_chars=5, delay=0.05)
    bot = await start_bot_process(slack, claude, tmp_path, SHUTDOWN_GRACE_SECONDS="0.5")
    await slack.wait_connected(timeout=20)
    await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> go")
    await slack.wait_for(lambda: slack.calls_to("chat.update"), what="streaming to start")
    logs = await stop_bot(bot)
    assert bot.returncode == 0, logs
    [reply] = slack.bot_messages()
    assert body_of(reply).startswith("This will take")
    assert notices_of(reply) == [":warning: Interrupted: the bot was restarting before this "
                                 "answer was finished. Please ask again."]
    assert no_stuck_placeholders(slack)
    assert "Traceback" not in logs
