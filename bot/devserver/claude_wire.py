"""The Claude stand-in's wire format: error bodies and headers, ids, and the usage and message
objects of a stream, shaped as the Messages API sends them."""

from __future__ import annotations

import base64
import json
import secrets
import string

from aiohttp import web

from .claude_reply import Reply

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
STATUS_FOR = {etype: status for status, etype in ERROR_TYPES.items()}
DEFAULT_MESSAGES = {
    "overloaded_error": "Overloaded",
    "api_error": "Internal server error",
    "rate_limit_error": "This request would exceed your rate limit.",
    "authentication_error": "invalid x-api-key",
    "invalid_request_error": "Invalid request",
}
def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(24))


def error_response(
    rid: str,
    status: int,
    etype: str | None = None,
    message: str | None = None,
    retry_after: float | None = None,
) -> web.Response:
    default = "api_error" if status >= 500 else "invalid_request_error"
    etype = etype or ERROR_TYPES.get(status, default)
    retry = status in (408, 409, 429) or status >= 500  # the statuses the SDK would retry anyway
    headers = {"request-id": rid, "x-should-retry": "true" if retry else "false"}
    if retry_after is not None:
        headers["retry-after"] = f"{retry_after:g}"  # the SDK parses fractional seconds
    error = {"type": etype, "message": message or DEFAULT_MESSAGES.get(etype, "Error")}
    payload = {"type": "error", "error": error, "request_id": rid}  # key order as recorded
    return web.json_response(payload, status=status, headers=headers)


def usage_object(body: dict, reply: Reply) -> dict:
    """Cumulative usage as sent on message_delta."""
    input_tokens = reply.input_tokens
    output_tokens = reply.output_tokens
    usage = {
        "input_tokens": len(json.dumps(body)) // 4 if input_tokens is None else input_tokens,
        "cache_creation_input_tokens": reply.cache_write,
        "cache_read_input_tokens": reply.cache_read,
        "output_tokens": max(1, len(reply.text) // 4) if output_tokens is None else output_tokens,
    }
    if reply.thinking_tokens is not None:
        usage["output_tokens_details"] = {"thinking_tokens": reply.thinking_tokens}
    return usage


def message_object(body: dict, usage: dict, reply: Reply, output_tokens: int) -> dict:
    """A Message with no content yet, shaped like message_start's (key order as recorded)."""
    cache_creation = {
        "ephemeral_5m_input_tokens": reply.cache_write,
        "ephemeral_1h_input_tokens": 0,
    }
    return {
        "model": body["model"],
        "id": new_id("msg_01"),
        "type": "message",
        "role": "assistant",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {
            **usage,
            "cache_creation": cache_creation,
            "output_tokens": output_tokens,
            "service_tier": "standard",
            "inference_geo": "not_available",
        },
    }


def signature_of(rid: str) -> str:
    return base64.b64encode(f"test-signature-{rid}".encode()).decode()
