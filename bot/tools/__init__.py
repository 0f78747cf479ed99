"""Claude's tools in answers: which tools an answer gets (names.py, choice.py), their
definitions for Claude (definitions.py), what a tool call looks like in the stream (calls.py),
how it is worded for the person (progress.py), and the files code execution made
(outputs.py)."""
