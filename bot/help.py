"""`python -m bot --help` and `python -m bot sandbox --help`: the commands and every setting,
printed without starting anything (docs/configuration.md has the long form)."""

from __future__ import annotations

COMMANDS = """\
commands:
  python -m bot            run the bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP
  python -m bot socket     run in Socket Mode (needs SLACK_APP_TOKEN)
  python -m bot http       serve Slack's events at /slack/events on PORT (needs
                           SLACK_SIGNING_SECRET), even when SLACK_APP_TOKEN is set
  python -m bot sandbox    the whole product on this machine, no Slack workspace needed: a
                           Slack-like page at http://127.0.0.1:SANDBOX_PORT/
  python -m bot usage      the usage ledger as a table or CSV (python -m bot usage --help)
"""

# (name, meaning, default)
SETTINGS = (
    ("SLACK_BOT_TOKEN", "xoxb- bot token", "required"),
    ("SLACK_APP_TOKEN", "xapp- app-level token: Socket Mode", "-"),
    ("SLACK_SIGNING_SECRET", "serve HTTP at /slack/events (without SLACK_APP_TOKEN)", "-"),
    ("PORT", "HTTP mode port", "3000"),
    ("ANTHROPIC_API_KEY", "Claude API key (sandbox: unset = the offline stand-in)", "required"),
    ("ANTHROPIC_BASE_URL", "Claude API base URL", "SDK default"),
    ("SLACK_API_URL", "Slack Web API base URL", "https://slack.com/api/"),
    ("CLAUDE_MODEL", "model id", "claude-sonnet-5-5"),
    ("CLAUDE_MAX_TOKENS", "output token cap per answer, thinking included", "32000"),
    ("CLAUDE_EFFORT", "low, medium, high, xhigh or max", "model's default"),
    ("CLAUDE_SYSTEM_PROMPT", "extra instructions for Claude", "-"),
    ("CLAUDE_IDLE_TIMEOUT", "seconds without a stream event before an answer times out", "60"),
    ("CLAUDE_PRICES", "JSON price overrides, USD per million tokens", "built-in table"),
    ("SLACK_UPDATE_INTERVAL", "minimum seconds between two edits of one message", "1.0"),
    ("SLACK_UPDATES_PER_MINUTE", "workspace-wide chat.update budget per 60 s", "50"),
    ("SLACK_STREAMING", "edit or native", "edit"),
    ("SLACK_COMMAND", "slash command name", "/claude"),
    ("MAX_IMAGES", "images sent per request (newest kept)", "20"),
    ("MAX_FILE_MB", "largest file downloaded", "20"),
    ("REDIS_URL", "share dedupe and budgets between several processes", "-"),
    ("SHUTDOWN_GRACE_SECONDS", "on SIGTERM, how long answers may still run", "25"),
    ("LOG_LEVEL", "logging level", "INFO"),
    ("LOG_FORMAT", "text or json", "text"),
    ("CLAUDE_POLICY", "policy file: who may ask, limits, per-channel settings",
     "policy.toml here, if any"),
    ("DATABASE_URL", "usage ledger: sqlite:///PATH or postgresql://…",
     "sqlite:///usage.sqlite3"),
    ("USAGE_RETENTION_DAYS", "ledger rows older than this are deleted", "400"),
    ("METRICS_PORT", "Socket Mode: serve /metrics and /health on this port", "off"),
    ("SANDBOX_PORT", "port of the sandbox's page", "8080"),
    ("CLAUDE_TOOLS", "tools answers may use: web_search, web_fetch, code_execution, "
     "slack_search, mcp:NAME (the policy's tools override)", "none"),
)


def settings_text() -> str:
    width = max(len(name) for name, _, _ in SETTINGS)
    lines = [f"  {name:<{width}}  {meaning} [{default}]" for name, meaning, default in SETTINGS]
    return ("settings (environment variables; a .env file in this directory is read too):\n"
            + "\n".join(lines) + "\n")


def bot_help() -> str:
    return ("usage: python -m bot [socket | http | sandbox | usage …]\n\n"
            "Claude for Slack: answers @mentions, direct messages and the slash command with\n"
            "Claude, streamed.\n\n" + COMMANDS + "\n" + settings_text())


def sandbox_help() -> str:
    return ("usage: python -m bot sandbox\n\n"
            "The bot, unchanged, against a local Slack-like workspace, with its page at\n"
            "http://127.0.0.1:SANDBOX_PORT/. It reads the settings below as the bot does, except\n"
            "the Slack connection (SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET,\n"
            "SLACK_API_URL, PORT, METRICS_PORT): it never contacts a Slack workspace. Without\n"
            "ANTHROPIC_API_KEY (or with .env.example's placeholder) an offline stand-in "
            "answers.\n\n" + COMMANDS + "\n" + settings_text())
