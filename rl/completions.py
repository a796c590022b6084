"""From a model completion (text, or TRL's chat messages) to the answer code the sandbox grades."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter

from agent.reasoning import answer_code_block, split_thinking

Completion = str | Sequence[Mapping[str, Any]]
"""A plain-text completion, or a conversational one: `[{"role": "assistant", "content": ...}, ...]`."""
AnswerFormat = Literal["ok", "no_code_block", "unterminated_thinking"]

# Where chat parsers (TRL's `parse_response`, vLLM's reasoning parsers) put the thinking they split off.
REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")


class ChatMessage(BaseModel):
    """One message of a conversational completion; unknown fields (tool calls, reasoning) are kept."""

    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: keep the text ones
            return "".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""

    def thinking_split_off(self) -> bool:
        extra = self.model_extra or {}
        return any(extra.get(field) for field in REASONING_FIELDS)


_MESSAGES = TypeAdapter(list[ChatMessage])


@dataclass(frozen=True)
class Answer:
    code: str | None
    """The answer's fenced Python block (the one defining the entry point, else the longest); None when there
    is none to grade."""
    format: AnswerFormat


def completion_text(completion: Completion) -> tuple[str, bool]:
    """The text to read and whether its thinking was already split off by a chat parser.

    A conversational completion's answer is its last assistant message (a tool loop's final turn).
    """
    if isinstance(completion, str):
        return completion, False
    messages = _MESSAGES.validate_python([dict(message) for message in completion])
    replies = [message for message in messages if message.role == "assistant"]
    if not replies:
        return "", False
    return replies[-1].text(), replies[-1].thinking_split_off()


def extract_answer(
    completion: Completion, *, opened_by_template: bool = False, entry_point: str | None = None
) -> Answer:
    """The code to grade: the answer's block after `</think>` (the one defining `entry_point`, else the
    longest). Cut inside the thinking: no answer."""
    text, split_off = completion_text(completion)
    # Once a parser took the thinking out, the content is all answer, whatever the template opened.
    thought = split_thinking(text, opened_by_template=opened_by_template and not split_off)
    if thought.cut:
        return Answer(code=None, format="unterminated_thinking")
    code = answer_code_block(thought.answer, entry_point)
    return Answer(code=code, format="ok" if code is not None else "no_code_block")
