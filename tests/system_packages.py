"""Tests that need a program Debian packages (Chromium, PgBouncer, Docker): without it they are
skipped in one line naming the package, except under CI=true, where .ci/run installs it and its
absence fails them."""

from __future__ import annotations

import os

import pytest


def require(present: bool, reason: str) -> None:
    if present:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true, but {reason} (.ci/run installs it)")
    pytest.skip(reason)
