"""`context_actions` blocks as Slack checks them (docs.slack.dev/reference/block-kit/blocks/
context-actions-block, …/block-elements/feedback-buttons-element, …/icon-button-element): 1–5
elements, each `feedback_buttons` or `icon_button`; a feedback button has a plain_text `text`
of at most 75 characters, a `value` of at most 2,000 and an optional `accessibility_label` of
at most 75; `action_id` at most 255."""

from __future__ import annotations

from typing import Any

MAX_ELEMENTS = 5
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2_000
MAX_LABEL = 75
MAX_ACTION_ID = 255


def context_actions_ok(block: dict) -> bool:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= MAX_ELEMENTS:
        return False
    return all(isinstance(e, dict) and _element_ok(e) for e in elements)


def _element_ok(element: dict) -> bool:
    if len(str(element.get("action_id", ""))) > MAX_ACTION_ID:
        return False
    if element.get("type") == "feedback_buttons":
        return all(_button_ok(element.get(key)) for key in ("positive_button", "negative_button"))
    if element.get("type") == "icon_button":
        return (isinstance(element.get("icon"), str) and _plain_text_ok(element.get("text"))
                and len(str(element.get("value", ""))) <= MAX_VALUE)
    return False


def _button_ok(button: Any) -> bool:
    if not isinstance(button, dict) or not _plain_text_ok(button.get("text")):
        return False
    value, label = button.get("value"), button.get("accessibility_label")
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_VALUE:
        return False
    return label is None or (isinstance(label, str) and 1 <= len(label) <= MAX_LABEL)


def _plain_text_ok(text: Any) -> bool:
    return (isinstance(text, dict) and text.get("type") == "plain_text"
            and isinstance(text.get("text"), str) and 1 <= len(text["text"]) <= MAX_BUTTON_TEXT)
