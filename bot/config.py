"""Settings from the environment, validated at start with plain-words errors."""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.installs.settings import OAuthSettings, OAuthSettingsError, oauth_settings
from bot.tools.names import MCP_PREFIX, split_names, tools_problem, unknown_tool

DEFAULT_MODEL = "claude-sonnet-5-5"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///usage.sqlite3"
DEFAULT_POLICY_FILE = "policy.toml"
EFFORTS = ("low", "medium", "high", "xhigh", "max")
# .env.example's values, and where the real ones come from.
PLACEHOLDERS = {"SLACK_BOT_TOKEN": "xoxb-your-bot-token", "SLACK_APP_TOKEN": "xapp-your-app-token",
                "ANTHROPIC_API_KEY": "sk-ant-your-key"}
PLACEHOLDER_FIXES = {
    "SLACK_BOT_TOKEN": "put the app's Bot User OAuth Token (OAuth & Permissions page) in .env.",
    "SLACK_APP_TOKEN": "put an app-level token with connections:write (Basic Information page) "
                       "in .env, or remove the line to serve HTTP.",
    "ANTHROPIC_API_KEY": "put a Claude API key (Claude Console → API keys) in .env.",
}


class ConfigError(Exception):
    """Settings are missing or malformed: one line for each, naming it and saying how to fix
    it (every problem at once, so one run shows them all)."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def lines(self) -> str:
        return "\n".join(f"Configuration error: {problem}" for problem in self.problems)


class _Reading(dict):
    """The environment being read, and the problems found in it so far."""

    def __init__(self, env: Mapping[str, str]) -> None:
        super().__init__(env)
        self.problems: list[str] = []


def _noted(read: Callable[..., Any]) -> Callable[..., Any]:
    """`read`, noting its problem and giving None while settings are read as a whole, so that
    the next settings are still checked; called on its own, it raises."""
    @functools.wraps(read)
    def reading(env: Mapping[str, str], *args: Any) -> Any:
        try:
            return read(env, *args)
        except ConfigError as error:
            if not isinstance(env, _Reading):
                raise
            env.problems.extend(error.problems)
            return None
    return reading


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str
    anthropic_api_key: str
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    port: int = 3000
    slack_api_url: str = DEFAULT_SLACK_API_URL
    claude_model: str = DEFAULT_MODEL
    claude_max_tokens: int = 32_000  # thinking counts towards it (Claude 5.5 thinks by default)
    claude_effort: str | None = None
    claude_system_prompt: str | None = None
    claude_idle_timeout: float = 60.0
    claude_prices: Mapping[str, Mapping[str, float]] | None = None
    slack_update_interval: float = 1.0
    slack_updates_per_minute: int = 50
    slack_streaming: str = "edit"
    slack_command: str = "/claude"
    max_images: int = 20
    max_file_mb: float = 20.0
    redis_url: str | None = None
    shutdown_grace_seconds: float = 25.0
    log_level: str = "INFO"
    log_format: str = "text"
    claude_policy: str | None = None  # path of the policy file; None: no policy
    database_url: str = DEFAULT_DATABASE_URL
    usage_retention_days: int = 400
    metrics_port: int | None = None
    sandbox_port: int = 8080
    claude_tools: tuple[str, ...] = ()  # web_search, web_fetch, code_execution, …
    oauth: OAuthSettings | None = None  # many workspaces through Slack's OAuth install

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def secrets(self) -> list[str]:
        """Values that must never be written to a log."""
        values = [self.slack_bot_token, self.anthropic_api_key, self.slack_app_token,
                  self.slack_signing_secret, urlsplit(self.database_url).password,
                  *(self.oauth.secrets() if self.oauth else ())]
        return [v for v in values if v]


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


@_noted
def _required(env: Mapping[str, str], name: str, hint: str) -> str:
    value = _text(env, name)
    if value is None:
        raise ConfigError(f"{name} is not set: {hint}")
    return value


@_noted
def _number(env: Mapping[str, str], name: str, default: float, kind: Callable[[str], float],
            minimum: float, maximum: float | None = None) -> Any:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    too_big = maximum is not None and value is not None and value > maximum
    if value is None or value < minimum or too_big or value != value:  # value != value: NaN
        word = "a whole number" if kind is int else "a number"
        bound = (f" between {minimum} and {maximum}" if maximum is not None
                 else f" of at least {minimum}")
        raise ConfigError(f"{name}={raw!r} is not valid: set it to {word}{bound} "
                          f"(default {default}).")
    return value


@_noted
def _url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = _text(env, name)
    if raw is None:
        return default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name}={raw!r} is not valid: set it to an http(s) URL "
                          f"such as {default}.")
    return raw if raw.endswith("/") else raw + "/"


@_noted
def _prefixed(env: Mapping[str, str], name: str, prefix: str, hint: str) -> str | None:
    value = _text(env, name)
    if value is not None and not value.startswith(prefix):
        raise ConfigError(f"{name} does not start with {prefix!r}: {hint}")
    return value


@_noted
def _prices(env: Mapping[str, str]) -> dict[str, dict[str, float]] | None:
    """CLAUDE_PRICES: JSON {"model": {"input": $, "output": $, "cache_write": $, "cache_read": $}}
    in USD per million tokens; overrides or extends the built-in table."""
    raw = _text(env, "CLAUDE_PRICES")
    if raw is None:
        return None
    hint = ('set it to JSON like {"my-model": {"input": 3, "output": 15, "cache_write": 3.75, '
            '"cache_read": 0.3}} (USD per million tokens).')
    try:
        table = json.loads(raw)
        ok = isinstance(table, dict) and all(
            isinstance(p, dict) and {"input", "output"} <= p.keys()
            and all(isinstance(v, int | float) and v >= 0 for v in p.values())
            for p in table.values())
    except json.JSONDecodeError:
        ok = False
    if not ok:
        raise ConfigError(f"CLAUDE_PRICES is not valid: {hint}")
    return {model: {k: float(v) for k, v in p.items()} for model, p in table.items()}


@_noted
def _tools(env: Mapping[str, str]) -> tuple[str, ...]:
    """CLAUDE_TOOLS: comma-separated tool names (mcp:NAME is checked against the policy)."""
    names = split_names(_text(env, "CLAUDE_TOOLS") or "")
    unknown = unknown_tool(n for n in names if not n.startswith(MCP_PREFIX))
    if unknown is not None:
        raise ConfigError(tools_problem("CLAUDE_TOOLS", unknown))
    return names


@_noted
def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...],
            default: str | None) -> str | None:
    raw = _text(env, name)
    if raw is None:
        return default
    if raw.lower() not in choices:
        raise ConfigError(f"{name}={raw!r} is not valid: set it to one of {', '.join(choices)}.")
    return raw.lower()


@_noted
def _database_url(env: Mapping[str, str]) -> str:
    raw = _text(env, "DATABASE_URL") or DEFAULT_DATABASE_URL
    if raw.startswith("postgres://"):  # Heroku's spelling
        raw = "postgresql://" + raw[len("postgres://"):]
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in ("sqlite", "postgresql") or (scheme == "sqlite"
                                                  and not raw.startswith("sqlite:///")):
        raise ConfigError("DATABASE_URL is not valid: use sqlite:///PATH (e.g. "
                          f"{DEFAULT_DATABASE_URL}) or postgresql://user:password@host/db.")
    return raw


def _policy_path(env: Mapping[str, str]) -> str | None:
    path = _text(env, "CLAUDE_POLICY")
    if path is not None:
        return path
    return DEFAULT_POLICY_FILE if os.path.isfile(DEFAULT_POLICY_FILE) else None


def _not_placeholder(env: _Reading) -> None:
    """A value copied unchanged from .env.example would only fail later, less clearly."""
    for name, value in PLACEHOLDERS.items():
        if _text(env, name) == value:
            env.problems.append(f"{name} is still the example value {value!r} from "
                                f".env.example: {PLACEHOLDER_FIXES[name]}")


def load_settings(env: Mapping[str, str] | None = None, mode: str | None = None) -> Settings:
    """The settings; `mode` ("socket" or "http") forces how the bot talks to Slack. Raises
    ConfigError naming every setting that is wrong, not just the first."""
    env = _Reading(os.environ if env is None else env)
    problem = env.problems.append
    _not_placeholder(env)
    oauth, oauth_wrong = None, False
    try:  # a bot token means one workspace, whatever else is set
        oauth = None if _text(env, "SLACK_BOT_TOKEN") else oauth_settings(env)
    except OAuthSettingsError as error:
        problem(str(error))
        oauth_wrong = True
    bot_token = "" if oauth or oauth_wrong else _required(
        env, "SLACK_BOT_TOKEN", "set it to the app's Bot User OAuth Token (xoxb-…) in .env, "
                                "or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install the "
                                "app in many workspaces through Slack's OAuth.")
    if bot_token and not bot_token.startswith("xox"):
        problem("SLACK_BOT_TOKEN does not look like a Slack token: use the Bot User OAuth Token "
                "(xoxb-…) from the app's OAuth & Permissions page.")
    api_key = _required(env, "ANTHROPIC_API_KEY", "set it to a Claude API key in .env.")
    app_token = _prefixed(env, "SLACK_APP_TOKEN", "xapp-",
                          "use an app-level token with connections:write (Basic Information page).")
    app_token_set = _text(env, "SLACK_APP_TOKEN") is not None  # if malformed: said already
    signing_secret = _text(env, "SLACK_SIGNING_SECRET")
    if oauth and (mode == "socket" or (app_token_set and mode != "http")):
        problem("Slack's OAuth install (SLACK_CLIENT_ID) is served over HTTP, not Socket Mode: "
                "unset SLACK_APP_TOKEN and set SLACK_SIGNING_SECRET.")
    if oauth and signing_secret is None and mode != "http":  # HTTP mode says so below
        problem("SLACK_SIGNING_SECRET is not set, and Slack's OAuth install (HTTP mode) needs "
                "it: copy it from the app's Basic Information page.")
    if mode == "socket" and not app_token_set:
        problem("SLACK_APP_TOKEN is not set, and Socket Mode needs it: create an app-level "
                "token with connections:write (Basic Information page).")
    if mode == "http":
        if signing_secret is None:
            problem("SLACK_SIGNING_SECRET is not set, and HTTP mode needs it: copy it from the "
                    "app's Basic Information page.")
        app_token, app_token_set = None, False  # `web` dynos share the worker's settings
    if not app_token_set and signing_secret is None and mode is None and not oauth:
        problem("Neither SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET is set: set SLACK_APP_TOKEN "
                "(xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET to serve HTTP at "
                "/slack/events.")
    streaming = _choice(env, "SLACK_STREAMING", ("edit", "native"), "edit")
    command = _text(env, "SLACK_COMMAND") or "/claude"
    if not command.startswith("/") or len(command) < 2 or " " in command:
        problem(f"SLACK_COMMAND={command!r} is not valid: set it to a slash command such as "
                "/claude.")
    level = (_text(env, "LOG_LEVEL") or "INFO").upper()
    if not isinstance(logging.getLevelName(level), int):
        problem(f"LOG_LEVEL={level!r} is not valid: use DEBUG, INFO, WARNING or ERROR.")
    redis_url = _text(env, "REDIS_URL")
    if redis_url is not None and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        problem("REDIS_URL is not valid: use a URL like redis://localhost:6379/0.")
    settings = Settings(
        slack_bot_token=bot_token,
        anthropic_api_key=api_key,
        slack_app_token=app_token,
        slack_signing_secret=signing_secret,
        port=_number(env, "PORT", 3000, int, 1, 65535),
        slack_api_url=_url(env, "SLACK_API_URL", DEFAULT_SLACK_API_URL),
        claude_model=_text(env, "CLAUDE_MODEL") or DEFAULT_MODEL,
        claude_max_tokens=_number(env, "CLAUDE_MAX_TOKENS", 32_000, int, 1, 128_000),
        claude_effort=_choice(env, "CLAUDE_EFFORT", EFFORTS, None),
        claude_system_prompt=_text(env, "CLAUDE_SYSTEM_PROMPT"),
        claude_idle_timeout=_number(env, "CLAUDE_IDLE_TIMEOUT", 60.0, float, 0.1),
        claude_prices=_prices(env),
        slack_update_interval=_number(env, "SLACK_UPDATE_INTERVAL", 1.0, float, 0.0),
        slack_updates_per_minute=_number(env, "SLACK_UPDATES_PER_MINUTE", 50, int, 1),
        slack_streaming=streaming,
        slack_command=command,
        max_images=_number(env, "MAX_IMAGES", 20, int, 0, 600),
        max_file_mb=_number(env, "MAX_FILE_MB", 20.0, float, 0.001),
        redis_url=redis_url,
        shutdown_grace_seconds=_number(env, "SHUTDOWN_GRACE_SECONDS", 25.0, float, 0.0),
        log_level=level,
        log_format=_choice(env, "LOG_FORMAT", ("text", "json"), "text"),
        claude_policy=_policy_path(env),
        database_url=_database_url(env),
        usage_retention_days=_number(env, "USAGE_RETENTION_DAYS", 400, int, 1),
        metrics_port=_number(env, "METRICS_PORT", None, int, 1, 65535),
        sandbox_port=_number(env, "SANDBOX_PORT", 8080, int, 1, 65535),
        claude_tools=_tools(env),
        oauth=oauth,
    )
    if env.problems:
        raise ConfigError(*env.problems)
    return settings
