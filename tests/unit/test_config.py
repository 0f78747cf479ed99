import pytest

from bot.config import ConfigError, load_settings

BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "ANTHROPIC_API_KEY": "sk-ant-x", "SLACK_APP_TOKEN": "xapp-1"}


def test_defaults_follow_the_spec():
    s = load_settings(BASE)
    assert s.socket_mode
    assert (s.port, s.slack_api_url, s.claude_model, s.claude_max_tokens) == (
        3000, "https://slack.com/api/", "claude-sonnet-5-5", 32_000)
    assert (s.claude_idle_timeout, s.slack_update_interval, s.slack_updates_per_minute) == (
        60.0, 1.0, 50)
    assert (s.slack_command, s.max_images, s.max_file_mb, s.shutdown_grace_seconds) == (
        "/claude", 20, 20.0, 25.0)
    assert (s.log_level, s.slack_streaming, s.redis_url) == ("INFO", "edit", None)


def test_http_mode_when_only_the_signing_secret_is_set():
    env = {**BASE, "SLACK_SIGNING_SECRET": "shh", "PORT": "8080"}
    del env["SLACK_APP_TOKEN"]
    s = load_settings(env)
    assert not s.socket_mode and s.port == 8080


def test_api_url_gets_its_trailing_slash():
    assert load_settings({**BASE, "SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url == (
        "http://127.0.0.1:9/api/")


@pytest.mark.parametrize("name, value", [
    ("SLACK_BOT_TOKEN", ""), ("ANTHROPIC_API_KEY", ""), ("SLACK_BOT_TOKEN", "nope"),
    ("SLACK_APP_TOKEN", "xoxb-wrong"), ("PORT", "eighty"), ("PORT", "70000"),
    ("CLAUDE_MAX_TOKENS", "0"), ("CLAUDE_IDLE_TIMEOUT", "nan"), ("SLACK_UPDATE_INTERVAL", "-1"),
    ("SLACK_UPDATES_PER_MINUTE", "1.5"), ("MAX_IMAGES", "-2"), ("MAX_FILE_MB", "big"),
    ("SLACK_API_URL", "slack.com"), ("LOG_LEVEL", "LOUD"), ("SLACK_COMMAND", "claude"),
    ("SLACK_STREAMING", "fast"), ("CLAUDE_EFFORT", "extreme"), ("REDIS_URL", "http://x"),
    ("CLAUDE_PRICES", "{bad"), ("CLAUDE_PRICES", '{"m": {"input": 1}}'),
    ("SHUTDOWN_GRACE_SECONDS", "soon"),
])
def test_a_bad_setting_is_named_in_one_line(name, value):
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, name: value})
    message = str(caught.value)
    assert name in message and "\n" not in message


def test_neither_mode_configured():
    env = dict(BASE)
    del env["SLACK_APP_TOKEN"]
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET"):
        load_settings(env)


def test_effort_is_unset_by_default_and_case_insensitive():
    assert load_settings(BASE).claude_effort is None
    assert load_settings({**BASE, "CLAUDE_EFFORT": "XHigh"}).claude_effort == "xhigh"


def test_price_override_parses():
    s = load_settings({**BASE, "CLAUDE_PRICES": '{"my-model": {"input": 1, "output": 2}}'})
    assert s.claude_prices == {"my-model": {"input": 1.0, "output": 2.0}}


def test_secrets_lists_every_token():
    s = load_settings({**BASE, "SLACK_SIGNING_SECRET": "sig"})
    assert set(s.secrets()) == {"xoxb-1", "sk-ant-x", "xapp-1", "sig"}


@pytest.mark.parametrize("name", ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "ANTHROPIC_API_KEY"])
def test_a_value_left_as_in_env_example_is_named(name):
    from bot.config import PLACEHOLDERS

    with pytest.raises(ConfigError, match=f"^{name} is still the example value"):
        load_settings({**BASE, name: PLACEHOLDERS[name]})


def test_http_mode_forced_drops_the_app_token():
    s = load_settings({**BASE, "SLACK_SIGNING_SECRET": "shh"}, mode="http")
    assert not s.socket_mode and "xapp-1" not in s.secrets()


def test_http_mode_forced_needs_the_signing_secret():
    with pytest.raises(ConfigError, match="^SLACK_SIGNING_SECRET is not set"):
        load_settings(BASE, mode="http")


@pytest.mark.parametrize("name, value, words", [
    ("CLAUDE_EFFORT", "extreme", "one of low, medium, high, xhigh, max"),
    ("LOG_FORMAT", "xml", "one of text, json"),
    ("DATABASE_URL", "mysql://x", "sqlite:///PATH"),
    ("USAGE_RETENTION_DAYS", "0", "a whole number of at least 1"),
    ("METRICS_PORT", "70000", "between 1 and 65535"),
])
def test_new_settings_are_checked(name, value, words):
    with pytest.raises(ConfigError) as refused:
        load_settings({**BASE, name: value})
    assert str(refused.value).startswith(name) and words in str(refused.value)


def test_heroku_postgres_url_is_accepted():
    s = load_settings({**BASE, "DATABASE_URL": "postgres://u:p@h:5432/d"})
    assert s.database_url == "postgresql://u:p@h:5432/d"
    assert load_settings(BASE).database_url == "sqlite:///usage.sqlite3"


def test_every_invalid_setting_is_named_at_once():
    from bot.config import PLACEHOLDERS

    with pytest.raises(ConfigError) as refused:
        load_settings({**BASE, "ANTHROPIC_API_KEY": PLACEHOLDERS["ANTHROPIC_API_KEY"],
                       "PORT": "eighty", "LOG_LEVEL": "LOUD", "SLACK_APP_TOKEN": "xoxb-wrong",
                       "DATABASE_URL": "mysql://x"})
    named = [problem.split()[0].split("=")[0] for problem in refused.value.problems]
    assert sorted(named) == ["ANTHROPIC_API_KEY", "DATABASE_URL", "LOG_LEVEL", "PORT",
                             "SLACK_APP_TOKEN"]  # each once: no knock-on complaints
    assert refused.value.lines().splitlines()[1].startswith("Configuration error: ")


def test_the_help_names_every_setting():
    import re
    from pathlib import Path

    import bot.config
    from bot.help import bot_help

    read = set(re.findall(r'env, "([A-Z_]+)"', Path(bot.config.__file__).read_text()))
    assert read and all(name in bot_help() for name in read)


def test_what_running_the_bot_here_leaves_is_ignored_by_git():
    from pathlib import Path

    from bot.config import DEFAULT_DATABASE_URL, DEFAULT_POLICY_FILE

    ignored = (Path(__file__).parents[2] / ".gitignore").read_text().splitlines()
    assert DEFAULT_DATABASE_URL.removeprefix("sqlite:///") in ignored
    assert DEFAULT_POLICY_FILE in ignored
