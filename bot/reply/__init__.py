"""Getting an answer into Slack: rendering, pacing, writing."""
