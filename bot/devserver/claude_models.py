"""What the Claude stand-in knows of models, for `GET /v1/models/{model_id}` (the bot checks its
key and model with it at start). Unknown ids get the API's 404 `not_found_error`."""

from __future__ import annotations

# The models the stand-in knows, with their output limit (the models overview,
# platform.claude.com/docs/en/about-claude/models).
KNOWN_MODELS = {
    "claude-fable-5-1": 128_000, "claude-opus-5-5": 128_000, "claude-sonnet-5-5": 128_000,
    "claude-haiku-5-5": 64_000, "claude-opus-5": 128_000, "claude-sonnet-5": 64_000,
    "claude-opus-4-8": 128_000, "claude-sonnet-4-6": 64_000, "claude-haiku-4-5": 64_000,
}


def model_info(model_id: str, max_tokens: int) -> dict:
    """A ModelInfo shaped like the API's (the fields the SDK's type names)."""
    return {
        "type": "model", "id": model_id, "display_name": model_id.replace("-", " ").title(),
        "created_at": "2026-09-01T00:00:00Z", "max_input_tokens": 1_000_000,
        "max_tokens": max_tokens, "lifecycle": "active", "deprecated_at": None,
        "retires_at": None,
    }
