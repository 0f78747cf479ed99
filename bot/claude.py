"""One Claude request, streamed: text deltas go to a callback; the result says
which model answered, the stream's own usage, the stop reason, and, if the stream failed, why
in plain words. Never raises for Claude's failures."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import anthropic
import httpx2

from bot.footer import Usage

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0

_REASONS = {
    "overloaded_error": "Claude is overloaded right now; please try again in a minute",
    "rate_limit_error": "Claude's rate limit was reached; please try again in a minute",
    "api_error": "Claude had an internal error; please try again",
    "timeout_error": "Claude took too long to answer (timed out); please try again",
    "authentication_error": "the bot's Claude API key was rejected; ask whoever runs the bot "
                            "to check ANTHROPIC_API_KEY",
    "permission_error": "the bot's Claude API key is not allowed to do this",
    "billing_error": "the Claude account behind the bot has a billing problem",
    "request_too_large": "the request was too large for Claude; try fewer or smaller files",
}
# No first event within the deadline: the SDK was still waiting out a 429/529's Retry-After
# (anthropic 2.15 `_calculate_retry_timeout` honours any length) or Claude sent nothing.
NO_FIRST_EVENT = "Claude is busy or rate-limited right now; please try again in a moment"


@dataclass
class ClaudeResult:
    model: str
    usage: Usage
    stop_reason: str | None = None
    failure: str | None = None  # why the stream ended early, in plain words
    request_id: str | None = None
    stop_explanation: str | None = None  # a refusal's stop_details.explanation


def _usage(message: anthropic.types.Message | None) -> Usage:
    if message is None:
        return Usage()
    u = message.usage
    one_hour = u.cache_creation.ephemeral_1h_input_tokens if u.cache_creation else 0
    thinking = u.output_tokens_details.thinking_tokens if u.output_tokens_details else 0
    return Usage(input_tokens=u.input_tokens or 0, output_tokens=u.output_tokens or 0,
                 cache_write=u.cache_creation_input_tokens or 0, cache_write_1h=one_hour or 0,
                 cache_read=u.cache_read_input_tokens or 0, thinking_tokens=thinking or 0)


def _explanation(message: anthropic.types.Message | None) -> str | None:
    details = message.stop_details if message is not None else None
    return (details.explanation or None) if details is not None else None


def failure_reason(error: BaseException, model: str, idle_timeout: float) -> str:
    """Plain words for a failed request or stream; never the exception's own text."""
    if isinstance(error, anthropic.APIStatusError):
        kind = error.type or ""
        if kind in _REASONS:
            return _REASONS[kind]
        if kind == "not_found_error" or error.status_code == 404:
            return f"the model `{model}` was not found; check CLAUDE_MODEL"
        if kind == "invalid_request_error" or error.status_code == 400:
            detail = (error.api_message or "").strip().replace("`", "'")[:200]
            return "Claude rejected the request (bad request" + (f": {detail})" if detail else ")")
        if error.status_code == 529:
            return _REASONS["overloaded_error"]
        if error.status_code == 429:
            return _REASONS["rate_limit_error"]
        return f"Claude returned an error ({kind or error.status_code}); please try again"
    if isinstance(error, anthropic.APITimeoutError | httpx2.TimeoutException | TimeoutError):
        return f"Claude sent nothing for {idle_timeout:g} seconds (timed out); please try again"
    return "the connection to Claude was lost; please try again"


def _snapshot(stream: object | None) -> anthropic.types.Message | None:
    """What the stream had accumulated when it failed (None before message_start)."""
    try:
        return stream.current_message_snapshot if stream is not None else None
    except AssertionError:
        return None


def _request_id(error: BaseException, stream: object | None) -> str | None:
    found = getattr(error, "request_id", None)
    if found is None and stream is not None:
        found = getattr(stream, "request_id", None)
    return found


async def stream_answer(client: anthropic.AsyncAnthropic, *, model: str, max_tokens: int,
                        system: list[dict] | str, messages: list[dict], idle_timeout: float,
                        on_text: Callable[[str], None], effort: str | None = None,
                        on_usage: Callable[[str, Usage], None] | None = None) -> ClaudeResult:
    """Stream one answer. `idle_timeout` bounds the silence between any two bytes of the
    stream (pings included), which is how a stalled stream is noticed. `effort` (None: the
    model's default) is sent as output_config.effort. `on_usage` hears the model and usage
    each time the stream reports them, so an answer cut short (stopped) still knows what it
    used. The first event, too, must come within `idle_timeout` of the request, the SDK's
    retries and their waits included."""
    timeout = httpx2.Timeout(idle_timeout, connect=min(CONNECT_TIMEOUT, idle_timeout))
    first_event = asyncio.timeout(idle_timeout)
    stream = None
    text_blocks = 0
    last_char = ""
    output_config = {"output_config": {"effort": effort}} if effort else {}
    try:
        async with first_event, client.messages.stream(
            model=model, max_tokens=max_tokens, system=system, messages=messages,
            cache_control={"type": "ephemeral"}, timeout=timeout, **output_config,
        ) as stream:
            async for event in stream:
                first_event.reschedule(None)
                if event.type == "content_block_start" and event.content_block.type == "text":
                    text_blocks += 1
                    if text_blocks > 1 and last_char and not last_char.isspace():
                        on_text("\n\n")  # keep separate text blocks apart
                elif (event.type == "content_block_delta" and event.delta.type == "text_delta"
                      and event.delta.text):
                    on_text(event.delta.text)
                    last_char = event.delta.text[-1]
                elif event.type in ("message_start", "message_delta") and on_usage:
                    snapshot = stream.current_message_snapshot
                    on_usage(snapshot.model or model, _usage(snapshot))
            final = stream.current_message_snapshot
            return ClaudeResult(final.model or model, _usage(final), final.stop_reason,
                                request_id=stream.request_id,
                                stop_explanation=_explanation(final))
    except (anthropic.APIError, httpx2.HTTPError, TimeoutError, OSError) as error:
        snapshot = _snapshot(stream)
        request_id = _request_id(error, stream)
        log.warning("Claude stream failed (%s, request id %s)", type(error).__name__, request_id)
        reason = NO_FIRST_EVENT if first_event.expired() else failure_reason(
            error, model, idle_timeout)
        return ClaudeResult(snapshot.model if snapshot else model, _usage(snapshot),
                            snapshot.stop_reason if snapshot else None, reason, request_id)


_WARM_UP_EVENTS = [
    {"type": "message_start", "message": {
        "id": "msg_warm", "type": "message", "role": "assistant", "model": "warm-up",
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 0}}},
    {"type": "content_block_start", "index": 0,
     "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta",
                                                          "thinking": "."}},
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    {"type": "ping"},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "."}},
    {"type": "content_block_stop", "index": 1},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
     "usage": {"output_tokens": 2}},
    {"type": "message_stop"},
]


async def warm_up() -> None:
    """Stream one canned answer through the SDK, offline, at start-up: its first real stream
    would otherwise spend ~100 ms building parsers while holding up every other answer."""
    body = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in _WARM_UP_EVENTS)
    transport = httpx2.MockTransport(lambda _request: httpx2.Response(
        200, headers={"content-type": "text/event-stream"}, content=body.encode()))
    # Nothing leaves the process; its request lines would only read like phoning home.
    quiet = [logging.getLogger(name) for name in ("httpx2", "anthropic._base_client")]
    for logger in quiet:
        logger.disabled = True
    try:
        async with httpx2.AsyncClient(transport=transport) as http:
            client = anthropic.AsyncAnthropic(api_key="warm-up", http_client=http,
                                              base_url="http://warm-up.invalid", max_retries=0)
            await stream_answer(client, model="warm-up", max_tokens=1, system="", messages=[
                {"role": "user", "content": "."}], idle_timeout=5, on_text=lambda _t: None)
    finally:
        for logger in quiet:
            logger.disabled = False
