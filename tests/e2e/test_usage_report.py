"""`python -m bot usage`: days (and this month) begin at midnight in the policy's timezone, as
the spend limits do, not in UTC; and usage can be grouped by installation team (many
workspaces, or an Enterprise Grid organisation)."""

import asyncio
import os
import sys
from datetime import UTC, datetime

from bot.ledger import Ledger, UsageRow

# 00:30 and 23:30 in Berlin (UTC+1 in winter) on 1 December; the first is 30 November in UTC.
TIMES = (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), datetime(2026, 12, 1, 22, 30, tzinfo=UTC))


async def usage(tmp_path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "ANTHROPIC_", "CLAUDE_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/usage.sqlite3"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "usage", *args, cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


async def test_days_and_the_period_follow_the_policy_timezone(tmp_path):
    ledger = await Ledger.open(f"sqlite:///{tmp_path}/usage.sqlite3", 10_000)
    for i, time in enumerate(TIMES):
        await ledger.record(UsageRow(time=time, team=f"T{i}", channel="C1", thread_ts=f"{i}.0",
                                     ts=f"{i}.0", user="U1", model="m", cost_usd=1.0,
                                     seconds=1.0))
    await ledger.close()

    code, utc, _ = await usage(tmp_path, "--by", "day", "--since", "2026-11-30", "--until",
                               "2026-12-01")
    assert code == 0 and "(UTC)" in utc
    assert [line.split()[:2] for line in utc.splitlines()[2:4]] == [["2026-11-30", "1"],
                                                                    ["2026-12-01", "1"]]

    (tmp_path / "policy.toml").write_text('timezone = "Europe/Berlin"\n')
    code, berlin, _ = await usage(tmp_path, "--by", "day", "--since", "2026-12-01", "--until",
                                  "2026-12-01")
    assert code == 0
    assert berlin.splitlines()[0] == "Usage from 2026-12-01 to 2026-12-01 (Europe/Berlin), by day"
    assert [line.split()[:2] for line in berlin.splitlines()[2:]] == [["2026-12-01", "2"],
                                                                      ["total", "2"]]
    code, only_november, _ = await usage(tmp_path, "--csv", "--since", "2026-11-30",
                                         "--until", "2026-11-30")
    assert only_november.splitlines()[1:] == []  # 23:30 UTC on the 30th is December in Berlin


async def test_an_invalid_policy_file_is_one_line(tmp_path):
    (tmp_path / "usage.sqlite3").touch()
    (tmp_path / "policy.toml").write_text('timezone = "Europe/Berlinn"\n')
    code, out, err = await usage(tmp_path, "--by", "day")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Europe/Berlin" in err


async def test_usage_by_team(tmp_path):
    ledger = await Ledger.open(f"sqlite:///{tmp_path}/usage.sqlite3", 10_000)
    for i, team in enumerate(("T0ONE", "T0TWO", "T0TWO", "E0ORG")):
        await ledger.record(UsageRow(time=TIMES[1], team=team, channel="C1", thread_ts=f"{i}.0",
                                     ts=f"{i}.0", user="U1", model="m", cost_usd=1.0,
                                     seconds=1.0))
    await ledger.close()
    code, table, _ = await usage(tmp_path, "--by", "team", "--since", "2026-12-01", "--until",
                                 "2026-12-01")
    assert code == 0 and table.splitlines()[0].endswith("by team")
    assert [line.split()[:2] for line in table.splitlines()[2:]] == [
        ["E0ORG", "1"], ["T0ONE", "1"], ["T0TWO", "2"], ["total", "4"]]
