"""manifest.yml against Slack's published app-manifest schema (tests/schemas/README.md says where
it comes from), plus what the schema cannot know: the agent surface this bot relies on."""

import json
from pathlib import Path

import jsonschema
import yaml

from bot.installs.oauth import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())
SCHEMA = json.loads((ROOT / "tests/schemas/slack-app-manifest.schema.json").read_text())


def test_manifest_validates_against_slacks_schema():
    jsonschema.validate(MANIFEST, SCHEMA)


def test_the_schema_is_strict_enough_to_catch_mistakes():
    wrong = json.loads(json.dumps(MANIFEST))
    wrong["features"]["agent_view"]["suggested_prompts"] *= 2  # eight prompts: at most four
    errors = list(jsonschema.Draft7Validator(SCHEMA).iter_errors(wrong))
    assert errors


def test_the_app_is_an_agent_with_a_stop_button_and_feedback():
    agent = MANIFEST["features"]["agent_view"]
    assert agent["agent_description"] and 1 <= len(agent["suggested_prompts"]) <= 4
    settings = MANIFEST["settings"]
    assert settings["interactivity"]["is_enabled"] is True  # feedback clicks
    assert "agent_session_stopped" in settings["event_subscriptions"]["bot_events"]
    # chat:write manages thread sessions and posts the thanks; assistant:write marks an agent.
    assert {"chat:write", "assistant:write"} <= set(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_an_oauth_install_asks_for_the_manifests_scopes_and_hears_of_uninstalls():
    assert set(BOT_SCOPES) == set(MANIFEST["oauth_config"]["scopes"]["bot"])
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)
