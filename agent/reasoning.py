"""Reading a reasoning model's raw output: thinking, answer, code blocks, Hermes tool calls.

QwQ's chat template opens `<think>` itself, so raw output may start inside the thinking and hold only
`...</think>\\n\\nanswer`. A reply cut before `</think>` has no answer: that is reported, never parsed.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

from agent.messages import ToolCall

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|\Z)", re.DOTALL)
PYTHON_TAGS = {"", "python", "python3", "py"}


@dataclass(frozen=True)
class Thought:
    reasoning: str | None
    """The thinking, without the tags."""
    answer: str
    """What follows `</think>` (the whole text when there was no thinking)."""
    cut: bool
    """Thinking started but never ended: the output was cut inside it."""


def split_thinking(text: str, *, opened_by_template: bool = False) -> Thought:
    """Separate thinking from the answer. `opened_by_template`: the prompt already ended with `<think>`.

    Thinking is everything up to the first `</think>` once a `<think>` opened it (at the start, by the
    template, or after a preface); any later `<think>` span is thinking too, and an unclosed one runs to the
    end. Nothing inside thinking is ever part of the answer.
    """
    stripped = text.lstrip()
    if stripped.startswith(THINK_OPEN):
        stripped = stripped[len(THINK_OPEN) :]
    elif THINK_OPEN in text and not opened_by_template:
        preface, _, rest = text.partition(THINK_OPEN)  # a thought opened after some text: both are thinking
        stripped = f"{preface}\n{rest}"
    elif not opened_by_template:
        if THINK_CLOSE not in text:
            return Thought(reasoning=None, answer=text.strip(), cut=False)
        stripped = text  # a stray `</think>` with no opening: treat what precedes it as thinking
    thinking, closed, answer = stripped.partition(THINK_CLOSE)
    if not closed:
        return Thought(reasoning=thinking.strip(), answer="", cut=True)
    answer, later = drop_thinking(answer)
    reasoning = "\n\n".join(part.strip() for part in (thinking, *later) if part.strip())
    return Thought(reasoning=reasoning, answer=answer.strip(), cut=False)


LATER_THOUGHT = re.compile(rf"{THINK_OPEN}(.*?)(?:{THINK_CLOSE}|\Z)|{THINK_CLOSE}", re.DOTALL)


def drop_thinking(answer: str) -> tuple[str, list[str]]:
    """The answer without any `<think>` span left in it (an unclosed one runs to the end; a stray `</think>`
    goes too), and the thinking those spans held."""
    later = [match.group(1) or "" for match in LATER_THOUGHT.finditer(answer)]
    return LATER_THOUGHT.sub("", answer), later


def code_blocks(text: str) -> list[str]:
    """Python code of every fenced block (an unterminated last fence counts: small models forget to close)."""
    return [
        body.strip("\n") for tag, body in FENCE.findall(text) if tag.lower() in PYTHON_TAGS and body.strip()
    ]


def answer_code_block(text: str, entry_point: str | None = None) -> str | None:
    """The answer's code: the last block that defines `entry_point`, else the longest block (the last of equals).

    Never a usage example written after the solution, which the last block often is. `text` is the answer
    only: thinking is split off before (a draft in the thinking is never the answer).
    """
    blocks = code_blocks(text)
    if entry_point:
        defines = re.compile(
            rf"^[ \t]*(?:async[ \t]+def|def|class)[ \t]+{re.escape(entry_point)}\b", re.MULTILINE
        )
        defining = [block for block in blocks if defines.search(block)]
        if defining:
            return defining[-1]
    return max(reversed(blocks), key=len) if blocks else None


def hermes_tool_calls(text: str) -> tuple[str, list[ToolCall], list[str]]:
    """`<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks: the text without them, the calls, and
    one error line per block that is not a valid call (sent back to the model)."""
    calls: list[ToolCall] = []
    errors: list[str] = []
    for raw in TOOL_CALL.findall(text):
        try:
            data = json.loads(raw)
            name, arguments = data["name"], data.get("arguments", {})
            if isinstance(arguments, str):
                arguments = json.loads(arguments)
            if not isinstance(name, str) or not isinstance(arguments, dict):
                raise TypeError("name must be a string and arguments an object")
        except (ValueError, KeyError, TypeError) as error:
            errors.append(f"malformed <tool_call>: {error}")
            continue
        calls.append(ToolCall(id=f"call_{uuid.uuid4().hex[:8]}", name=name, arguments=arguments))
    return TOOL_CALL.sub("", text).strip(), calls, errors
