"""What the Claude stand-in knows of models, for `GET /v1/models/{model_id}` (the bot checks its
key and model with it at start). Unknown ids get the API's 404 `not_found_error`."""

from __future__ import annotations

from .claude_validate import EFFORTS

# The models the stand-in knows, with their output limit (the models overview,
# platform.claude.com/docs/en/about-claude/models).
KNOWN_MODELS = {
    "claude-fable-5-1": 128_000, "claude-opus-5-5": 128_000, "claude-sonnet-5-5": 128_000,
    "claude-haiku-5-5": 64_000, "claude-opus-5": 128_000, "claude-sonnet-5": 64_000,
    "claude-opus-4-8": 128_000, "claude-sonnet-4-6": 64_000, "claude-haiku-4-5": 64_000,
}
# The effort levels each model takes (platform.claude.com/docs/en/build-with-claude/effort:
# `max` on Opus 4.6+ and Sonnet 4.6+, `xhigh` only on the newer ones, none on Haiku 4.5). The
# 5.5 models' levels are not published per level: the stand-in assumes all for Opus, Sonnet and
# Fable, and no xhigh/max for Haiku 5.5. Any other model takes no effort at all.
EFFORT_LEVELS = {
    "claude-fable-5-1": EFFORTS, "claude-opus-5-5": EFFORTS,
    "claude-sonnet-5-5": EFFORTS, "claude-haiku-5-5": ("low", "medium", "high"),
    "claude-opus-5": EFFORTS, "claude-sonnet-5": EFFORTS, "claude-opus-4-8": EFFORTS,
    "claude-sonnet-4-6": ("low", "medium", "high", "max"),
}


def _support(supported: bool) -> dict:
    return {"supported": supported}


def capabilities(efforts: tuple[str, ...]) -> dict:
    """ModelInfo.capabilities: every key present, as the API sends it; effort per level."""
    effort = {level: _support(level in efforts) for level in EFFORTS}
    thinking_types = {kind: _support(True) for kind in ("adaptive", "between_tools",
                                                        "disabled", "enabled")}
    return {
        "batch": _support(True), "citations": _support(True), "code_execution": _support(True),
        "context_management": _support(True), "effort": {"supported": bool(efforts), **effort},
        "image_input": _support(True), "pdf_input": _support(True),
        "server_tools": {"supported": True, "code_execution": _support(True),
                         "web_search": _support(True)},
        "structured_outputs": _support(True),
        "thinking": {"supported": True, "types": thinking_types},
    }


def model_info(model_id: str, max_tokens: int, efforts: tuple[str, ...] = ()) -> dict:
    """A ModelInfo shaped like the API's (the fields the SDK's type names)."""
    return {
        "type": "model", "id": model_id, "display_name": model_id.replace("-", " ").title(),
        "created_at": "2026-09-01T00:00:00Z", "max_input_tokens": 1_000_000,
        "max_tokens": max_tokens, "lifecycle": "active", "deprecated_at": None,
        "retires_at": None, "capabilities": capabilities(efforts),
    }


def effort_refused(body: dict, efforts: tuple[str, ...]) -> str | None:
    """Why the API refuses the request's output_config.effort for its model (None: it may)."""
    config = body.get("output_config")
    effort = config.get("effort") if isinstance(config, dict) else None
    if effort is None or effort in efforts:
        return None
    if not efforts:
        return f"output_config.effort: {body.get('model')} does not support the effort parameter"
    return (f"output_config.effort: {effort!r} is not supported by {body.get('model')}; "
            f"supported levels: {', '.join(efforts)}")
