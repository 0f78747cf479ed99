"""Claude's tools in answers: which tools an answer gets (names.py, choice.py), their definitions
for Claude (definitions.py), what a tool call looks like in the stream (calls.py), how it is worded
for the person (progress.py), and the files code execution made (outputs.py); the company's
tools: Slack search (slack_search.py), MCP servers (mcp.py), who may have them (guards.py), and
what they add to one answer (company.py)."""
