"""`python -m bot sandbox`: try the bot in a local, Slack-like web page, with no workspace."""
