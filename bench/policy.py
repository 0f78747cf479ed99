"""What the policy check adds before the placeholder: its cost per question in process, and
event→placeholder at N simultaneous answers with and without a policy file."""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import conversations
from bot.config import DEFAULT_MODEL, load_settings
from bot.policy.decide import Asker, answer_settings, decide
from bot.policy.rules import parse_policy

# Every kind of rule the check walks through: access lists, all four budgets, a channel table.
POLICY = """
admins = ["U0ADMIN"]
timezone = "Europe/Berlin"
[access]
blocked_users = ["U0BLOCKED"]
blocked_channels = ["C9BLOCKED"]
[limits]
user_daily = 5.0
user_monthly = 50.0
channel_monthly = 200.0
workspace_monthly = 1000.0
request_tokens = 150000
[channel.C0001]
model = "claude-opus-5-5"
user_daily = 20.0
"""


def check_seconds(questions: int = 20_000) -> float:
    """Mean CPU time of one decision plus its answer settings, with spend totals kept in
    memory the way the ledger keeps them (a dictionary look-up per budget)."""
    policy = parse_policy(POLICY.encode(), "policy.toml", DEFAULT_MODEL)
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_APP_TOKEN": "xapp-bench",
                              "ANTHROPIC_API_KEY": "bench"})
    totals: dict[tuple, float] = {}

    def spent(team, since, *, user=None, channel=None) -> float:
        return totals.get((team, since, user, channel), 0.0)

    askers = [Asker("T0TEAM", f"U{n % 300:04d}", f"C{n % 40:04d}") for n in range(questions)]
    now = datetime.now(UTC)
    started = time.process_time()  # CPU time: what the check takes from the event loop
    for asker in askers:
        if decide(policy, asker, spent, now) is None:
            answer_settings(policy, settings, asker.channel)
    return (time.process_time() - started) / questions


async def placeholder_figures(n: int, rounds: int = 3) -> dict[str, tuple[float, float]]:
    """Event→placeholder p50 and p95 at `n` simultaneous answers, without and with the policy
    file: runs alternate, and each figure is the median over `rounds` runs (a loaded machine
    moves single runs by more than the check costs)."""
    runs: dict[str, list[conversations.Figures]] = {"no policy file": [], "policy file": []}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "policy.toml"
        path.write_text(POLICY)
        for _ in range(rounds):
            runs["no policy file"].append(await conversations.run(n))
            runs["policy file"].append(await conversations.run(n, CLAUDE_POLICY=str(path)))
    return {name: (statistics.median(f.placeholder_p50 for f in figures),
                   statistics.median(f.placeholder_p95 for f in figures))
            for name, figures in runs.items()}
