"""`python -m bench`: print the performance figures as Markdown tables (docs/operations.md
keeps a recent run)."""

from __future__ import annotations

import argparse
import asyncio

from bench import conversations, images, ledger, policy, startup
from bench.markdown import markdown_table


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def table(rows: list[conversations.Figures]) -> str:
    head = ["conversations", "completed", "event→sign of work p50 / p95",
            "first delta→first edit p50", "last event→answer visible p50 / p95",
            "status instead of placeholder", "posted anew", "max chat.update in 60 s",
            "429s (any method)", "every thread tidy", "bot CPU", "bot peak RSS", "wall",
            "servers' loop lag p95"]
    return markdown_table(head, (
        [f.conversations, f.completed, f"{ms(f.placeholder_p50)} / {ms(f.placeholder_p95)}",
         ms(f.first_edit_p50), f"{ms(f.final_edit_p50)} / {ms(f.final_edit_p95)}", f.statuses,
         f.posted_anew, f.max_updates_60s, f.ratelimited,
         "never" if f.tidy_seconds is None else f"{ms(f.tidy_seconds)} after the last",
         f"{f.cpu_seconds:.1f} s", f"{f.peak_mb:.0f} MB", f"{f.wall_seconds:.0f} s",
         ms(f.servers_lag_p95)] for f in rows))


async def main(args: argparse.Namespace) -> None:
    if not args.skip_startup:
        print("Start-up (fresh processes, median of 5):")
        print(startup.table(await startup.run()))
        print()
    if not args.skip_images:
        print("Images → blocks (fresh process per case, median of 5):")
        print(images.table(images.run()))
        print()
    rows = []
    for n in args.conversations:
        rows.append(await conversations.run(n, budget=args.budget, over=args.over))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    print()
    arriving = f"asked over {args.over:.0f} s" if args.over else "asked at once"
    print(f"Streaming: 1,500-character answers at 40 tokens/s ({arriving}, one channel each), "
          f"SLACK_UPDATES_PER_MINUTE={args.budget}, SLACK_UPDATE_INTERVAL=1.0; loopback, bot in "
          "its own process.")
    print(table(rows))
    if not args.skip_ledger:
        print()
        print("Usage ledger: 20 simultaneous answers (as above) with the ledger on each database.")
        print(ledger.table(await ledger.run()))
    if not args.skip_policy:
        print()
        print(f"Policy check: {policy.check_seconds() * 1e6:.1f} µs of CPU per question "
              "(access lists, four budgets, a channel table; spend totals in memory).")
        print("| 20 conversations (median of 3 runs) | event→placeholder p50 / p95 |\n|---|---|")
        for name, (p50, p95) in (await policy.placeholder_figures(20)).items():
            print(f"| {name} | {ms(p50)} / {ms(p95)} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, nargs="+", default=[1, 20, 200])
    parser.add_argument("--budget", type=int, default=50, help="SLACK_UPDATES_PER_MINUTE")
    parser.add_argument("--over", type=float, default=0.0,
                        help="seconds over which the questions arrive (default: all at once)")
    parser.add_argument("--skip-images", action="store_true", help="only the streaming figures")
    parser.add_argument("--skip-ledger", action="store_true", help="no SQLite/PostgreSQL run")
    parser.add_argument("--skip-policy", action="store_true",
                        help="without the policy check's figures")
    parser.add_argument("--skip-startup", action="store_true", help="no start-up figures")
    asyncio.run(main(parser.parse_args()))
