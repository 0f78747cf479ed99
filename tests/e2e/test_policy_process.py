"""`python -m bot` with a policy file: a bad file stops it with one line; SIGHUP re-reads it."""

import asyncio
import signal
import time

from tests.e2e.processes import run_to_exit, start_bot_process, stop_bot


async def wait_logged(process, text: str, timeout: float) -> float:
    """Seconds until `text` appears in the bot's log (AssertionError after `timeout`)."""
    started = time.monotonic()
    while text not in process.log_path.read_text():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{text!r} not logged within {timeout} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def test_an_invalid_policy_stops_the_bot_with_one_line(slack, claude, tmp_path):
    (tmp_path / "policy.toml").write_text("[limits]\nuser_dayly = 5\n")
    process, output = await run_to_exit(slack, claude, tmp_path)  # policy.toml: found by default
    assert process.returncode == 2
    assert output.strip().splitlines() == [
        "Policy error: policy.toml: `limits.user_dayly` is not a known key: did you mean "
        "`limits.user_daily`? Fix or remove it."]
    assert slack.connections_total == 0


async def test_a_missing_policy_file_stops_the_bot(slack, claude, tmp_path):
    process, output = await run_to_exit(slack, claude, tmp_path, CLAUDE_POLICY="rules.toml")
    assert process.returncode == 2
    assert output.strip().splitlines() == [
        "Policy error: CLAUDE_POLICY names rules.toml, which does not exist: create it (see "
        "policy.example.toml) or unset CLAUDE_POLICY."]


async def test_sighup_rereads_the_policy_within_a_second(slack, claude, tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("")
    process = await start_bot_process(slack, claude, tmp_path, CLAUDE_POLICY=str(path))
    try:
        await slack.wait_connected(timeout=60)
        assert f"policy loaded from {path}" in process.log_path.read_text()  # at start
        path.write_text("[access]\nusers = ['U0BOB']\n")
        process.send_signal(signal.SIGHUP)
        took = await wait_logged(process, f"policy reloaded from {path} (SIGHUP)", timeout=1.0)
        await slack.user_message("C0GENERAL", "U0ALICE", "<@UBOT> hello?")
        await slack.wait_for(lambda: slack.ephemerals, what="the refusal")
        assert "not enabled for you" in slack.ephemerals[0]["text"]
        assert claude.requests == [] and slack.bot_messages() == []
    finally:
        output = await stop_bot(process)
    assert took < 1.0 and "Traceback" not in output
