"""What the Claude stand-in answers one request with: text, thinking, pacing, usage and the
faults to inject. Its own module, so the server and its wire format both use it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Reply:
    text: str = "Hello from the test Claude."
    thinking: str | None = None  # streamed as a thinking block (+ signature_delta) before the text
    chunk_chars: int = 8  # characters per text_delta / thinking_delta
    delay: float = 0.0  # seconds between deltas
    first_delay: float = 0.0  # seconds between message_start and the first content block
    stop_reason: str = "end_turn"
    stop_details: dict | None = None  # sent on message_delta when set
    input_tokens: int | None = None  # default: len(request JSON) // 4
    output_tokens: int | None = None  # default: max(1, len(text) // 4)
    thinking_tokens: int | None = None  # the part of output_tokens spent thinking
    cache_read: int = 0
    cache_write: int = 0  # also reported as cache_creation.ephemeral_5m_input_tokens
    error_after: int | None = None  # text chars sent before an SSE `error` event ends the stream
    error_type: str = "overloaded_error"
    stall_after: int | None = None  # text chars sent before going silent (see release_stalls)
    drop_after: int | None = None  # text chars sent before the connection is closed mid-body
    hold_at: int | None = None  # text chars sent before the stream waits for resume()
    http_status: int | None = None  # answer with this HTTP error instead of a message
    error_message: str | None = None
    error_page: str | None = None  # the error's body is this HTML page, not JSON (a proxy's,
    # as Cloudflare answers 413 before the API sees the request)
    retry_after: float | None = None  # `retry-after` header (seconds, may be fractional)
    ping_every: float | None = None  # ping interval while waiting (first_delay, delay, stall)
    times: int = 1  # how many requests this reply answers when queued
    # Blocks streamed before the text (claude_script: Say, Call, search(), fetch(), run_code()):
    # tool calls with their results and cited text, in the real API's order. An empty `text`
    # then sends no text block of its own.
    script: list | None = None
