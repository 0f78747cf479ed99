"""The Markdown tables every benchmark prints (and README quotes)."""

from __future__ import annotations

from collections.abc import Iterable


def markdown_table(head: list[str], rows: Iterable[Iterable[object]]) -> str:
    """`head`'s column names, the separator line, then one line per row of cells."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)
