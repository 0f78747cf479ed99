"""Prometheus metrics, one registry per bot (several bots in one process never collide), and
the `/metrics` and `/health` endpoints operators scrape."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from slack_sdk.http_retry.async_handler import AsyncRetryHandler

from bot.ledger.rows import FEEDBACK, OUTCOMES, UsageRow

TOKEN_KINDS = ("input", "cache_write", "cache_read", "output")
# Seconds from the event to the placeholder, the first text and the end of the answer.
_FAST = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_SLOW = (0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.answers = Counter("claude_slack_answers", "Ledger rows (answers and refusals) by "
                               "outcome", ["outcome"], registry=r)
        self.refusals = Counter("claude_slack_refusals", "Refused questions by reason",
                                ["reason"], registry=r)
        self.tokens = Counter("claude_slack_tokens", "Tokens, as the API counts them",
                              ["model", "kind"], registry=r)
        self.cost = Counter("claude_slack_cost_usd", "Cost in US dollars", ["model"], registry=r)
        self.tool_calls = Counter("claude_slack_tool_calls", "Tool calls of answers by tool "
                                  "and outcome (ok, error)", ["tool", "outcome"], registry=r)
        self.in_flight = Gauge("claude_slack_answers_in_flight", "Answers being given now",
                               registry=r)
        self.ratelimited = Counter("claude_slack_slack_ratelimited", "Slack Web API calls "
                                   "answered 429", ["method"], registry=r)
        self.feedbacks = Counter("claude_slack_feedback", "Feedback clicks", ["value"],
                                 registry=r)
        self.write_failures = Counter("claude_slack_ledger_write_failures", "Ledger rows whose "
                                      "write failed (they are retried)", registry=r)
        self.rows_lost = Counter("claude_slack_ledger_rows_lost", "Ledger rows given up "
                                 "(outage too long, or shutdown)", registry=r)
        self.placeholder_seconds = Histogram(
            "claude_slack_placeholder_seconds", "Event received to placeholder posted",
            buckets=_FAST, registry=r)
        self.first_text_seconds = Histogram(
            "claude_slack_first_text_seconds", "Event received to Claude's first text",
            buckets=_SLOW, registry=r)
        self.answer_seconds = Histogram(
            "claude_slack_answer_seconds", "Event received to the answer's end",
            buckets=_SLOW, registry=r)
        for outcome in OUTCOMES:
            self.answers.labels(outcome=outcome)
        for value in FEEDBACK:
            self.feedbacks.labels(value=value)

    # --- called by the ledger ------------------------------------------------------------

    def row(self, row: UsageRow) -> None:
        self.answers.labels(outcome=row.outcome).inc()
        if row.outcome == "refused":
            self.refusals.labels(reason=row.reason or "unknown").inc()
        for kind, count in zip(TOKEN_KINDS, (row.input_tokens, row.cache_write_tokens,
                                             row.cache_read_tokens, row.output_tokens),
                               strict=True):
            if count:
                self.tokens.labels(model=row.model, kind=kind).inc(count)
        if row.cost_usd:
            self.cost.labels(model=row.model).inc(row.cost_usd)

    def feedback(self, value: str) -> None:
        self.feedbacks.labels(value=value).inc()

    def ledger_write_failed(self, rows: int) -> None:
        self.write_failures.inc(rows)

    def ledger_rows_lost(self, rows: int) -> None:
        self.rows_lost.inc(rows)

    # --- exposition ----------------------------------------------------------------------

    def text(self) -> bytes:
        return generate_latest(self.registry)

    def slack_observer(self) -> AsyncRetryHandler:
        return _RateLimitCounter(self.ratelimited)


class _RateLimitCounter(AsyncRetryHandler):
    """Sees every Slack Web API response first and counts the 429s by method; never retries
    (the callers wait out 429s themselves). slack_sdk asks each retry handler in turn about
    every response, which makes this the one place every Slack call passes."""

    def __init__(self, counter: Counter):
        super().__init__(max_retry_count=0)
        self.counter = counter

    async def can_retry_async(self, *, state, request, response=None, error=None) -> bool:
        if response is not None and response.status_code == 429:
            self.counter.labels(method=request.url.rstrip("/").rsplit("/", 1)[-1]).inc()
        return False


def add_routes(app: web.Application, metrics: Metrics, health: Callable[[], dict]) -> None:
    """GET /metrics (Prometheus text format) and GET /health (JSON) on `app`."""
    async def serve_metrics(_request: web.Request) -> web.Response:
        return web.Response(body=metrics.text(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def serve_health(_request: web.Request) -> web.Response:
        return web.json_response(health())

    app.router.add_get("/metrics", serve_metrics)
    app.router.add_get("/health", serve_health)
