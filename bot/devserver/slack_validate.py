"""Message payload checks for the Slack double (chat.postMessage / chat.update).

Limits follow Slack's documented Block Kit limits (docs.slack.dev/reference/block-kit/blocks).
Each check returns the Slack error string, or None when the payload is acceptable.
"""

from __future__ import annotations

from typing import Any

from .slack_validate_actions import context_actions_ok

MAX_TEXT = 40_000  # longer `text` -> msg_too_long
MAX_BLOCKS = 50  # per message (100 only in modals / Home tabs)
MAX_SECTION_TEXT = 3_000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2_000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_MARKDOWN_TOTAL = 12_000  # cumulative over all markdown blocks of one payload
# The text of all blocks of one message together: Slack answers msg_blocks_too_long beyond about
# 12,000 characters even when every block is within its own limit (bolt-js#2509, #2867).
MAX_BLOCKS_TEXT = 12_000
MAX_BLOCK_ID = 255

KNOWN_BLOCK_TYPES = {
    "section",
    "context",
    "markdown",
    "divider",
    "header",
    "rich_text",
    "actions",
    "image",
    "input",
    "file",
    "video",
    "context_actions",
}


def validate_message(params: dict[str, Any]) -> str | None:
    """Check text/blocks of a message payload the way Slack does."""
    text = params.get("text")
    if text is not None and not isinstance(text, str):
        return "invalid_arguments"
    if text is not None and len(text) > MAX_TEXT:
        return "msg_too_long"
    markdown_text = params.get("markdown_text")
    if markdown_text is not None and len(str(markdown_text)) > MAX_MARKDOWN_TOTAL:
        return "msg_too_long"
    if "blocks" not in params:
        return None
    return validate_blocks(params["blocks"])


def validate_blocks(blocks: Any) -> str | None:
    # A `blocks` string that was not valid JSON arrives here still as a string.
    if not isinstance(blocks, list):
        return "invalid_blocks_format"
    if len(blocks) > MAX_BLOCKS:
        return "invalid_blocks"
    markdown_total = 0
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCK_TYPES:
            return "invalid_blocks"
        if len(str(block.get("block_id", ""))) > MAX_BLOCK_ID:
            return "invalid_blocks"
        kind = block["type"]
        if kind == "section" and not _section_ok(block):
            return "invalid_blocks"
        if kind == "header" and not 1 <= len(_text_of(block.get("text"))) <= MAX_HEADER_TEXT:
            return "invalid_blocks"
        if kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= MAX_CONTEXT_ELEMENTS:
                return "invalid_blocks"
        if kind == "context_actions" and not context_actions_ok(block):
            return "invalid_blocks"
        if kind == "markdown":
            if not isinstance(block.get("text"), str):
                return "invalid_blocks"
            markdown_total += len(block["text"])
    if markdown_total > MAX_MARKDOWN_TOTAL:
        return "invalid_blocks"
    if sum(_all_text(block) for block in blocks) > MAX_BLOCKS_TEXT:
        return "msg_blocks_too_long"
    return None


def _all_text(value: Any) -> int:
    """Characters of every `text` string anywhere inside a block."""
    if isinstance(value, dict):
        own = len(value["text"]) if isinstance(value.get("text"), str) else 0
        return own + sum(_all_text(v) for k, v in value.items() if k != "text" or own == 0)
    if isinstance(value, list):
        return sum(_all_text(v) for v in value)
    return 0


def _section_ok(block: dict) -> bool:
    text = block.get("text")
    fields = block.get("fields")
    if text is None and not fields:
        return False  # Slack requires text or fields
    if text is not None and not 1 <= len(_text_of(text)) <= MAX_SECTION_TEXT:
        return False
    if fields is not None:
        if not isinstance(fields, list) or len(fields) > MAX_SECTION_FIELDS:
            return False
        if any(len(_text_of(f)) > MAX_FIELD_TEXT for f in fields):
            return False
    return True


def _text_of(obj: Any) -> str:
    """The string inside a text object ({"type": "mrkdwn", "text": ...})."""
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return obj["text"]
    return ""
