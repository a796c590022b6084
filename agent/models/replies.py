"""Turning what a backend generated into a `ModelReply`: thinking split off, Hermes tool calls parsed."""

from __future__ import annotations

from agent.messages import ToolCall
from agent.models.base import ModelReply
from agent.reasoning import THINK_CLOSE, THINK_OPEN, drop_thinking, hermes_tool_calls, split_thinking

TOOL_CALL_OPEN = "<tool_call>"


def opens_thinking(prompt: str) -> bool:
    """The rendered prompt ends inside an opened `<think>` (QwQ's template does this)."""
    return prompt.rstrip("\n").endswith(THINK_OPEN)


def build_reply(
    content: str,
    *,
    finish_reason: str,
    reasoning: str | None = None,
    opened_by_template: bool = False,
    tool_calls: list[ToolCall] | None = None,
    errors: list[str] | None = None,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    latency_s: float = 0.0,
) -> ModelReply:
    """One reply from raw output. `reasoning`: thinking the server already split off, if any.

    Malformed tool calls are not dropped silently: their error lines end the text, for the model to see.
    """
    calls = list(tool_calls or [])
    problems = list(errors or [])
    from_text = 0
    cut = False
    if reasoning:
        # the server split the thinking off; cut inside it when it stopped on length with no answer yet
        cut = finish_reason == "length" and not content.strip()
        content, later = drop_thinking(content)  # a thought the parser left in the content is thinking too
        reasoning = "\n\n".join([reasoning, *later]) if any(t.strip() for t in later) else reasoning
        content = content.strip()
    elif opened_by_template or THINK_OPEN in content or THINK_CLOSE in content:
        thought = split_thinking(content, opened_by_template=opened_by_template)
        reasoning, content, cut = thought.reasoning, thought.answer, thought.cut
    else:
        reasoning, content = None, content.strip()
    if TOOL_CALL_OPEN in content:
        content, hermes_calls, hermes_errors = hermes_tool_calls(content)
        calls += hermes_calls
        problems += hermes_errors
        from_text = len(hermes_calls)
    if problems:
        content = "\n".join([content, *problems]).strip()
    if calls and finish_reason != "length":
        finish_reason = "tool_calls"
    return ModelReply(
        text=content,
        reasoning=reasoning or None,
        tool_calls=calls,
        text_tool_calls=from_text,
        malformed_tool_calls=len(problems),
        finish_reason=finish_reason,
        thinking_cut=cut,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        latency_s=latency_s,
    )
