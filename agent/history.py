"""What of the conversation one model call sends: the history fitted to the model's context window, and the
reply's token cap. Only the request is shortened: the full history stays in the state and the trajectory.

The rule, applied only as far as needed: the system prompt, the problem, the latest code (the last reply
with a code block or a tool call) and everything after it (its feedback, the current instruction) are kept;
older observations (test results, tool outputs) become a short stub, oldest first; then older replies; then
whole older turns are left out, the problem saying how many; last, the long kept messages are cut in the middle.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.models.errors import ContextOverflowError
from tools.feedback import head_and_tail

STUB_OBSERVATION = "[earlier output left out to fit the context window]"
STUB_REPLY = "[earlier reply left out to fit the context window]"
BYTES_PER_TOKEN = 2
"""The estimate when the backend cannot count: tokenizers take 2.8-3.9 bytes a token on code, tracebacks and
English (SmolLM2's, measured), so 2 overestimates; digit runs can come close to 1 (the overflow retry's case)."""
TEMPLATE_TOKENS_PER_MESSAGE = 8
"""Role markers and separators a chat template adds around each message."""
TEMPLATE_TOKENS_FIXED = 256
"""What a template may add once (a default system prompt, the tool-calling instructions)."""
OVERFLOW_MARGIN = 1.1
"""After an overflow, counts are scaled by what the refusal showed, and this much more."""
UNKNOWN_OVERFLOW_SCALE = 1.5
"""After an overflow whose refusal named no prompt size, counts are scaled by this much."""
SHORTEST_CUT = 400
"""Characters a kept message is never cut below."""

Measure = Callable[[list[Message]], int]


@dataclass(frozen=True)
class Fitted:
    """One request as it is sent."""

    messages: list[Message]
    """The conversation sent (the history, shortened if it had to be)."""
    max_tokens: int
    """The reply's token cap: the sampling's, or what the window leaves."""
    prompt_tokens: int | None
    """The prompt's size as counted (or estimated) for the fit; None when nothing had to be counted."""
    shortened: int
    """Messages stubbed, left out or cut."""
    window: int | None
    """The context window fitted to; None when the model's is unknown."""
    after_overflow: bool = False
    """Fitted again after the backend refused the first request as too long."""

    def summary(self) -> dict[str, Any]:
        """What the trajectory event records about the fit."""
        return {
            "window": self.window,
            "prompt_tokens": self.prompt_tokens,
            "max_tokens": self.max_tokens,
            "shortened": self.shortened,
            "sent_messages": len(self.messages),
            "after_overflow": self.after_overflow,
        }


def estimate_tokens(messages: list[Message], tools: list[dict[str, Any]] | None = None) -> int:
    """A conservative count for backends without a tokenizer to ask."""
    return math.ceil(_bytes(messages, tools) / BYTES_PER_TOKEN) + TEMPLATE_TOKENS_PER_MESSAGE * len(messages)


def upper_bound_tokens(messages: list[Message], tools: list[dict[str, Any]] | None = None) -> int:
    """More tokens than any byte-level or byte-fallback tokenizer makes of the prompt (each token is at least
    one byte): under the window, nothing needs counting."""
    return _bytes(messages, tools) + 4 * TEMPLATE_TOKENS_PER_MESSAGE * len(messages) + TEMPLATE_TOKENS_FIXED


def _bytes(messages: list[Message], tools: list[dict[str, Any]] | None) -> int:
    size = len(json.dumps(tools).encode()) if tools else 0
    for message in messages:
        size += len(message.content.encode())
        size += sum(len(json.dumps(call.arguments).encode()) + len(call.name) for call in message.tool_calls)
    return size


def _is_code(message: Message) -> bool:
    return message.role == "assistant" and (bool(message.tool_calls) or "```" in message.content)


def _stub(message: Message) -> Message:
    if message.role == "assistant":
        # the calls stay (a tool message answers each by id), without their arguments
        calls = [call.model_copy(update={"arguments": {}}) for call in message.tool_calls]
        return message.model_copy(update={"content": STUB_REPLY, "tool_calls": calls})
    return message.model_copy(update={"content": STUB_OBSERVATION})


def _longer_than_its_stub(message: Message) -> bool:
    return len(message.content) > len(STUB_REPLY) or any(call.arguments for call in message.tool_calls)


def _left_out(turns: int) -> str:
    return f"\n\n[{turns} earlier turns left out]"


def shortenings(messages: list[Message]) -> list[list[Message]]:
    """The trimming rule: `messages`, then ever shorter versions of it, each one step further (pure)."""
    versions = [list(messages)]
    problem = next((i for i, m in enumerate(messages) if m.role == "user"), None)
    if problem is None:
        return versions
    replies = [i for i, m in enumerate(messages) if m.role == "assistant" and i > problem]
    coded = [i for i in replies if _is_code(messages[i])]
    anchor = coded[-1] if coded else (replies[-1] if replies else len(messages))
    current = list(messages)
    older = range(problem + 1, anchor)
    # 1. older observations, then 2. older replies, oldest first
    for roles in (("user", "tool"), ("assistant",)):
        for index in older:
            if current[index].role in roles and _longer_than_its_stub(current[index]):
                current[index] = _stub(current[index])
                versions.append(list(current))
    # 3. whole older turns (a reply and what followed it), oldest first
    starts = [i for i in replies if problem + 1 < i <= anchor]
    for turns, start in enumerate(starts, start=1):
        said = current[problem].model_copy(update={"content": current[problem].content + _left_out(turns)})
        shorter = [*current[:problem], said, *current[start:]]
        if _characters(shorter) < _characters(versions[-1]):  # the note must not outweigh what it replaces
            versions.append(shorter)
    # 4. the long messages kept (feedback, the latest code) cut in the middle, ever shorter
    current = versions[-1]
    kept = [i for i, m in enumerate(current) if i > problem and len(m.content) > SHORTEST_CUT]
    for divisor in (2, 4, 8, 16, 32):
        cut = list(current)
        for index in kept:
            limit = max(SHORTEST_CUT, len(current[index].content) // divisor)
            cut[index] = cut[index].model_copy(update={"content": head_and_tail(cut[index].content, limit)})
        versions.append(cut)
    return versions


def _characters(messages: list[Message]) -> int:
    return sum(len(m.content) for m in messages)


def _changed(original: list[Message], sent: list[Message]) -> int:
    kept = {id(m) for m in sent}
    return sum(id(m) not in kept for m in original)


def fit(messages: list[Message], *, window: int, max_tokens: int, measure: Measure) -> Fitted:
    """The least shortened version whose prompt leaves the reply its room (`max_tokens`, at most half the
    window); the reply capped to what the window leaves. When none fits, the shortest (the backend decides)."""
    reserve = min(max_tokens, window // 2)
    limit = window - reserve
    versions = shortenings(messages)
    sizes: dict[int, int] = {}

    def size(index: int) -> int:
        if index not in sizes:
            sizes[index] = measure(versions[index])
        return sizes[index]

    chosen = len(versions) - 1
    if size(0) <= limit:
        chosen = 0
    else:  # versions only get shorter: the first that fits, by bisection
        low, high = 1, len(versions) - 1
        while low <= high:
            middle = (low + high) // 2
            if size(middle) <= limit:
                chosen, high = middle, middle - 1
            else:
                low = middle + 1
    tokens = size(chosen)
    return Fitted(
        messages=versions[chosen],
        max_tokens=max(1, min(max_tokens, window - tokens)),
        prompt_tokens=tokens,
        shortened=_changed(messages, versions[chosen]),
        window=window,
    )


def _measure(model: ChatModel, tools: list[dict[str, Any]] | None, scale: float = 1.0) -> Measure:
    def measure(messages: list[Message]) -> int:
        counted = model.count_prompt_tokens(messages, tools=tools)
        tokens = counted if counted is not None else estimate_tokens(messages, tools)
        return math.ceil(tokens * scale)

    return measure


def fit_request(
    model: ChatModel,
    messages: list[Message],
    tools: list[dict[str, Any]] | None,
    sampling: Sampling,
    overflow: ContextOverflowError | None = None,
) -> Fitted:
    """The request for `model`: as it is when it clearly fits; else fitted by the model's own count (or the
    estimate). After `overflow` (the backend refused what was sent), fitted again with counts scaled by how
    far off they were, to the window the refusal named."""
    window = model.context_window
    if overflow is None:
        if window is None or upper_bound_tokens(messages, tools) + sampling.max_tokens <= window:
            return Fitted(list(messages), sampling.max_tokens, None, 0, window)
        return fit(messages, window=window, max_tokens=sampling.max_tokens, measure=_measure(model, tools))
    counted = _measure(model, tools)(messages)
    window = overflow.window or window or counted + sampling.max_tokens
    scale = UNKNOWN_OVERFLOW_SCALE
    if overflow.prompt_tokens is not None:
        scale = max(1.0, overflow.prompt_tokens / max(1, counted)) * OVERFLOW_MARGIN
    fitted = fit(
        messages, window=window, max_tokens=sampling.max_tokens, measure=_measure(model, tools, scale)
    )
    return replace(fitted, after_overflow=True)


def chat_within_window(
    model: ChatModel, messages: list[Message], *, tools: list[dict[str, Any]] | None, sampling: Sampling
) -> tuple[ModelReply, Fitted]:
    """One model call with the history fitted to the window; refused as too long, fitted tighter and sent
    once more (a second refusal is raised)."""
    fitted = fit_request(model, messages, tools, sampling)
    try:
        return model.chat(fitted.messages, tools=tools, sampling=_capped(sampling, fitted)), fitted
    except ContextOverflowError as overflow:
        fitted = fit_request(model, messages, tools, sampling, overflow)
        return model.chat(fitted.messages, tools=tools, sampling=_capped(sampling, fitted)), fitted


def _capped(sampling: Sampling, fitted: Fitted) -> Sampling:
    if fitted.max_tokens == sampling.max_tokens:
        return sampling
    return sampling.model_copy(update={"max_tokens": fitted.max_tokens})
