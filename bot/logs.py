"""Logging set-up: one line per record, and no secret ever written out."""

from __future__ import annotations

import logging


class RedactSecrets(logging.Filter):
    """Replaces any configured secret in a record's final text (SDK debug logs included)."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        text = record.exc_text or ""
        for secret in self.secrets:
            message = message.replace(secret, "[redacted]")
            text = text.replace(secret, "[redacted]")
        record.msg, record.args, record.exc_text = message, None, text or None
        return True


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)  # e.g. Pillow's decompression-bomb warning: one log line
