"""Claude for Slack."""
