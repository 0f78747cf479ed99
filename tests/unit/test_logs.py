"""LOG_FORMAT=json: one JSON object per line, structured fields kept, secrets still redacted."""

import io
import json
import logging

from bot.logs import JsonFormatter, RedactSecrets


def test_json_lines_keep_fields_and_redact_secrets():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactSecrets(["xoxb-very-secret"]))
    logger = logging.getLogger("test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("token %s refused", "xoxb-very-secret",
                       extra={"fields": {"team": "T1", "cost_usd": 0.25}})
        try:
            raise RuntimeError("with xoxb-very-secret inside")
        except RuntimeError:
            logger.exception("failed\nacross lines")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "token [redacted] refused"
    assert (first["level"], first["logger"], first["team"], first["cost_usd"]) == (
        "WARNING", "test.json", "T1", 0.25)
    assert second["message"] == "failed\nacross lines"
    assert "RuntimeError" in second["exception"] and "xoxb-very" not in lines[1]


def test_a_slack_token_made_at_run_time_is_redacted_too():
    """With Slack's OAuth install, workspaces' tokens are not settings; slack-sdk logs
    oauth.v2.access's answer, token included, at DEBUG."""
    record = logging.LogRecord("slack_sdk", logging.DEBUG, __file__, 1,
                               "Received: {'access_token': '%s', 'refresh': 'xoxe-1-ab'}",
                               ("xoxb-1234-5678-AbCdEf",), None)
    RedactSecrets([]).filter(record)
    assert record.getMessage() == "Received: {'access_token': '[redacted]', 'refresh': " \
                                  "'[redacted]'}"
