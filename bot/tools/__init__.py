"""Claude's tools in answers: which tools an answer gets (names.py, choice.py), their definitions
for Claude (definitions.py), what a tool call looks like in the stream (calls.py) and how it is
worded for the person (progress.py); the company's tools: Slack search (slack_search.py), MCP
servers (mcp.py) and who may have them (guards.py)."""
