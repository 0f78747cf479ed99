"""Logging set-up: one line per record (text, or one JSON object for log platforms), and no
secret ever written out."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

# Secrets learned after start (an MCP server's token, read from the variable the policy names).
_LEARNED: set[str] = set()
# The SDK logs each request's body at DEBUG, and an MCP token travels in the body.
SDK_LOGGER = "anthropic._base_client"
# Any Slack token, configured or not: with Slack's OAuth install each workspace's token is
# made at run time, and slack-sdk logs oauth.v2.access's answer (the token in it) at DEBUG.
SLACK_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[0-9A-Za-z-]+")


class RedactSecrets(logging.Filter):
    """Replaces any configured secret, and anything shaped like a Slack token, in a record's
    final text (SDK debug logs included)."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        text = record.exc_text or ""
        for secret in (*self.secrets, *_LEARNED):
            message = message.replace(secret, "[redacted]")
            text = text.replace(secret, "[redacted]")
        message, text = SLACK_TOKEN.sub("[redacted]", message), SLACK_TOKEN.sub("[redacted]", text)
        record.msg, record.args, record.exc_text = message, None, text or None
        return True


def scrub(text: str) -> str:
    """`text` without any secret learned after start (e.g. an error Claude's API quotes)."""
    for secret in _LEARNED:
        text = text.replace(secret, "[redacted]")
    return text


def hide(secret: str) -> None:
    """From now on `secret` is redacted from every log line, the SDK's own debug lines (and so
    any handler, test captures included) too."""
    if len(secret) < 6:
        return
    _LEARNED.add(secret)
    sdk = logging.getLogger(SDK_LOGGER)
    if not any(isinstance(f, RedactSecrets) for f in sdk.filters):
        sdk.addFilter(RedactSecrets([]))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, any structured `fields` the
    record carries (ids and numbers, e.g. an answer's usage) and the exception, if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
                     timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage(), **getattr(record, "fields", {})}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str)


def setup_logging(level: str, secrets: list[str], log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)  # e.g. Pillow's decompression-bomb warning: one log line
