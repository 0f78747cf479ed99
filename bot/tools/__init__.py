"""Which tools an answer gets (settings, policy, guards), their definitions for Claude, the
client tools (Slack search) and the company's MCP servers."""
