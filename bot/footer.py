"""Usage → cost → the footer's `context` block (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import astuple, dataclass

# USD per million tokens (platform.claude.com/docs/en/about-claude/pricing, November 2026).
# Keys: input, cache_write (5 min), cache_write_1h, cache_read, output.
_OPUS_4 = {"input": 5, "cache_write": 6.25, "cache_write_1h": 10, "cache_read": 0.5, "output": 25}
_SONNET_4 = {"input": 3, "cache_write": 3.75, "cache_write_1h": 6, "cache_read": 0.3, "output": 15}
_FABLE_5 = {"input": 10, "cache_write": 12.5, "cache_write_1h": 20, "cache_read": 1, "output": 50}
PRICES: dict[str, Mapping[str, float]] = {
    # Anthropic's list price for Fable 5.2 (released 2026-11-09), as quoted by LaoZhang API's
    # announcement (docs.laozhang.ai/en/announcements/claude-fable-5-2-2026-11); no 1 h cache
    # write price was given, so the usual 2x input applies. Mythos 5.1, Mythos 5.2 and Mythos
    # Preview have no published price found: their cost is left out of the footer.
    "claude-fable-5-2": {"input": 8, "cache_write": 10, "cache_read": 0.2, "output": 40},
    "claude-fable-5-1": {"input": 10, "cache_write": 12.5, "cache_write_1h": 20,
                         "cache_read": 0.25, "output": 50},
    "claude-opus-5-5": {"input": 4, "cache_write": 5, "cache_write_1h": 8, "cache_read": 0.2,
                        "output": 20},
    "claude-sonnet-5-5": {"input": 2, "cache_write": 2.5, "cache_write_1h": 4, "cache_read": 0.1,
                          "output": 10},
    "claude-haiku-5-5": {"input": 0.1, "cache_write": 0.125, "cache_write_1h": 0.2,
                         "cache_read": 0.01, "output": 0.5},
    "claude-opus-5": {"input": 5, "cache_write": 6.25, "cache_write_1h": 10, "cache_read": 0.5,
                      "output": 25},
    "claude-sonnet-5": {"input": 2, "cache_write": 2.5, "cache_write_1h": 4, "cache_read": 0.2,
                        "output": 10},
    "claude-fable-5": _FABLE_5,
    "claude-mythos-5": _FABLE_5,
    "claude-opus-4-8": _OPUS_4,
    "claude-opus-4-7": _OPUS_4,
    "claude-opus-4-6": _OPUS_4,
    "claude-opus-4-5": _OPUS_4,
    "claude-sonnet-4-6": _SONNET_4,
    "claude-sonnet-4-5": _SONNET_4,
    "claude-haiku-4-5": {"input": 1, "cache_write": 1.25, "cache_write_1h": 2, "cache_read": 0.1,
                         "output": 5},
}
# Haiku 5.5 bills every token of a request at the higher band once the prompt passes 100K tokens.
_BANDED = {"claude-haiku-5-5": (100_000, {"input": 0.5, "cache_write": 0.625,
                                          "cache_write_1h": 1.0, "cache_read": 0.05,
                                          "output": 2.5})}
# Web search: $10 per 1,000 searches on top of tokens, errored searches not billed
# (claudecodeguides.com/claude-web-search-costs-10-per-thousand); a model's "web_search" entry
# (USD per 1,000) overrides it. Web fetch has no fee of its own.
WEB_SEARCH_PER_1000 = 10.0
_DATE_SUFFIX = re.compile(r"-\d{8}$")


@dataclass(frozen=True)
class Usage:
    """Token counts of one answer, as the stream reported them (cumulative)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write: int = 0  # cache_creation_input_tokens (all TTLs)
    cache_write_1h: int = 0  # the part of cache_write written with the 1 h TTL
    cache_read: int = 0
    thinking_tokens: int = 0  # the part of output_tokens spent thinking, when reported
    web_searches: int = 0  # billed web searches (usage.server_tool_use.web_search_requests)

    def __add__(self, other: Usage) -> Usage:
        """Two requests' usage together (the segments of one answer)."""
        return Usage(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    @property
    def prompt_tokens(self) -> int:
        return self.input_tokens + self.cache_write + self.cache_read


def price_for(model: str, prompt_tokens: int,
              overrides: Mapping[str, Mapping[str, float]] | None = None
              ) -> Mapping[str, float] | None:
    base = _DATE_SUFFIX.sub("", model)
    for name in (model, base):
        if overrides and name in overrides:
            return overrides[name]
    if base in _BANDED and prompt_tokens > _BANDED[base][0]:
        return _BANDED[base][1]
    return PRICES.get(base)


def cost_usd(model: str, usage: Usage,
             overrides: Mapping[str, Mapping[str, float]] | None = None) -> float | None:
    price = price_for(model, usage.prompt_tokens, overrides)
    if price is None:
        return None
    write = price.get("cache_write", price["input"] * 1.25)
    write_1h = price.get("cache_write_1h", price["input"] * 2)
    per_million = (usage.input_tokens * price["input"]
                   + (usage.cache_write - usage.cache_write_1h) * write
                   + usage.cache_write_1h * write_1h
                   + usage.cache_read * price.get("cache_read", price["input"] * 0.1)
                   + usage.output_tokens * price["output"])
    searches = usage.web_searches * price.get("web_search", WEB_SEARCH_PER_1000) / 1000
    return per_million / 1_000_000 + searches


def format_cost(cost: float) -> str:
    if cost == 0:
        return "$0"
    return f"${cost:.4f}" if cost < 1 else f"${cost:,.2f}"


def footer_text(model: str, usage: Usage, elapsed: float,
                overrides: Mapping[str, Mapping[str, float]] | None = None,
                tools: str | None = None) -> str:
    """`tools`: the answer's tool counts ("2 searches · 1 fetch"), shown when there are any."""
    thinking = f" ({usage.thinking_tokens:,} thinking)" if usage.thinking_tokens else ""
    parts = [f"`{model}`", f"{usage.prompt_tokens:,} in",
             f"{usage.output_tokens:,} out{thinking}"]
    if usage.cache_read:
        parts.append(f"{usage.cache_read:,} cache read")
    cost = cost_usd(model, usage, overrides)
    if cost is not None:
        parts.append(format_cost(cost))
    if tools:
        parts.append(tools)
    parts.append(f"{elapsed:.1f} s")
    return " · ".join(parts)

