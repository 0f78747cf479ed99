"""`python -m bot.health`: the container's HEALTHCHECK. Exit 0 when the bot's /health answers
on PORT (HTTP mode) or METRICS_PORT (Socket Mode), else 1."""

from __future__ import annotations

import os
import sys
import urllib.request


def healthy(ports: list[str]) -> bool:
    for port in ports:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            continue
    return False


if __name__ == "__main__":
    sys.exit(0 if healthy([p for p in (os.environ.get("PORT", "3000"),
                                       os.environ.get("METRICS_PORT")) if p]) else 1)
