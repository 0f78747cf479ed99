"""Which policy is in force is logged once at start: the file's full path, or that there is none."""

import logging

from bot.config import load_settings
from bot.policy.live import LivePolicy

BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "ANTHROPIC_API_KEY": "sk-ant-x", "SLACK_APP_TOKEN": "xapp-1"}


def test_the_policy_file_read_at_start_is_logged_with_its_full_path(tmp_path, monkeypatch,
                                                                      caplog):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy.toml").write_text("admins = ['U0ADMIN']\n")
    with caplog.at_level(logging.INFO, logger="bot.policy.live"):
        LivePolicy(load_settings(BASE))  # policy.toml here: found by default
    assert caplog.messages == [f"policy loaded from {tmp_path / 'policy.toml'}"]


def test_no_policy_file_is_logged_too(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.INFO, logger="bot.policy.live"):
        LivePolicy(load_settings(BASE))
    [line] = caplog.messages
    assert line.startswith("no policy file") and "without limits" in line
