"""One answer as a loop over Claude requests ("segments"): a `pause_turn` continues the same
answer by sending the paused assistant content back as the last message (no new user turn), at
most MAX_CONTINUATIONS times; a `tool_use` stop (client tools) runs the tools and sends their
`tool_result`s in a user turn, at most MAX_TOOL_ROUNDS times, then the answer ends with a
notice. Usage is added up across the segments. Facts: a paused turn "just has to stay the last
message when you resubmit" (anthropic-sdk-python#1507); a server tool use left without its result
before a later user turn is a 400 (anthropic-sdk-python#961)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anthropic

from bot.claude import ClaudeResult, stream_answer
from bot.footer import Usage
from bot.tools.calls import Source, ToolWatch
from bot.tools.progress import Step

MAX_CONTINUATIONS = 5
MAX_TOOL_ROUNDS = 8

# Runs the client tool calls of one segment (the SDK's ToolUseBlock objects) and returns their
# tool_result blocks, one per call, in order. It may call `watch.finish(id, "complete" |
# "error", count=…, reason=…)` to mark each call's progress line; calls it leaves unmarked are
# marked by their result's `is_error`.
ClientTools = Callable[[list, ToolWatch], Awaitable[list[dict]]]


@dataclass
class ToolHooks:
    """Where an answer's tool activity goes: progress (each call as it starts and ends),
    citations (the sources of each cited text block, right after its text), and how client
    tools run (None: the answer offers none)."""

    on_steps: Callable[[tuple[Step, ...]], None] = lambda _steps: None
    on_cite: Callable[[list[Source]], None] = lambda _sources: None
    run_client_tools: ClientTools | None = None


@dataclass
class LoopResult(ClaudeResult):
    steps: list[Step] = field(default_factory=list)  # every tool call, in order
    files: list[str] = field(default_factory=list)  # file ids code execution made
    tool_rounds_exhausted: bool = False  # it stopped asking for tools only because of the cap


def _as_params(content: list) -> list[dict]:
    """The SDK's response blocks as request blocks (what the API sent, minus empty fields)."""
    return [block.to_dict(exclude_none=True) for block in content]


async def answer_loop(client: anthropic.AsyncAnthropic, *, messages: list[dict],
                      tools: list[dict], hooks: ToolHooks,
                      on_text: Callable[[str], None],
                      on_usage: Callable[[str, Usage], None] | None = None,
                      **request) -> LoopResult:
    """Stream one answer over as many segments as it takes. `request` is the rest of
    stream_answer's arguments (model, max_tokens, system, idle_timeout, effort)."""
    watch = ToolWatch(hooks.on_steps, hooks.on_cite)
    spent = Usage()  # the usage of finished segments
    turns = list(messages)
    continuations = rounds = 0
    last_char = ""
    container = None
    ran_tools = False  # the text before a client tool round and the text after stay apart

    def text(delta: str) -> None:
        nonlocal last_char, ran_tools
        if ran_tools and delta and last_char and not last_char.isspace() \
                and not delta[0].isspace():
            on_text("\n\n")
        ran_tools = ran_tools and not delta
        last_char = delta[-1] if delta else last_char
        on_text(delta)

    def usage(model: str, so_far: Usage) -> None:
        if on_usage is not None:
            on_usage(model, spent + so_far)

    while True:
        result = await stream_answer(client, messages=turns, on_text=text, on_usage=usage,
                                     tools=tools or None, on_event=watch.event,
                                     last_char=last_char, container=container, **request)
        # Code execution's container (message_delta.delta.container) goes on with the answer.
        container = getattr(watch.container, "id", None) or container
        spent = spent + result.usage
        paused = result.stop_reason == "pause_turn" and continuations < MAX_CONTINUATIONS
        wants_tools = result.stop_reason == "tool_use" and hooks.run_client_tools is not None
        if result.failure or not (paused or (wants_tools and rounds < MAX_TOOL_ROUNDS)):
            break
        said = _as_params(result.content)
        if turns[-1]["role"] == "assistant":  # a continuation goes on the paused content
            said = [*turns[-1]["content"], *said]
            turns = turns[:-1]
        turns = [*turns, {"role": "assistant", "content": said}]
        if paused:
            continuations += 1
            continue
        rounds += 1
        calls = [block for block in result.content if block.type == "tool_use"]
        results = await hooks.run_client_tools(calls, watch)
        for block in results:
            step = watch.steps.get(block["tool_use_id"])
            if step is not None and step.status == "in_progress":
                watch.finish(step.id, "error" if block.get("is_error") else "complete")
        turns.append({"role": "user", "content": results})
        ran_tools = True
    if result.stop_reason == "tool_use":  # calls the answer ends without running
        for block in result.content:
            if block.type == "tool_use":
                watch.finish(block.id, "error", reason="not run: the answer ends here")
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(ClaudeResult)}
    return LoopResult(**{**fields, "usage": spent}, steps=list(watch.steps.values()),
                      files=list(watch.files),
                      tool_rounds_exhausted=wants_tools and rounds >= MAX_TOOL_ROUNDS)
