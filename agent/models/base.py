"""The one interface every model backend implements, and what a call returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from agent.messages import Message, ToolCall


class Sampling(BaseModel):
    """Sampling settings of one call."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: float = Field(0.6, ge=0.0, le=2.0)
    """Softmax temperature; 0 means greedy."""
    top_p: float = Field(0.95, gt=0.0, le=1.0)
    """Nucleus sampling mass."""
    top_k: int = Field(40, ge=0)
    """Top-k cut-off; 0 disables it."""
    min_p: float = Field(0.0, ge=0.0, le=1.0)
    """Min-p cut-off (tokens below this fraction of the likeliest one's probability are dropped); 0 disables it."""
    presence_penalty: float = Field(0.0, ge=-2.0, le=2.0)
    """Subtracted from the logit of every token the reply already holds (OpenAI's meaning); 0 disables it."""
    max_tokens: int = Field(1024, ge=1)
    """Most tokens to generate in this call."""
    seed: int | None = None
    """Seed for reproducible sampling where the backend supports one."""


class ModelReply(BaseModel):
    """What one model call produced, with its cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    """The answer, with any thinking removed."""
    reasoning: str | None = None
    """The thinking (`<think>` block or the server's `reasoning_content` / `reasoning`), if any."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Native tool calls the model made."""
    text_tool_calls: int = 0
    """How many of `tool_calls` were parsed here from `<tool_call>` text the server left unparsed."""
    malformed_tool_calls: int = 0
    """Tool calls that could not be used (no name, arguments not a JSON object); their errors end `text`."""
    finish_reason: str = "stop"
    """`stop`, `length` (cut by max_tokens) or `tool_calls`."""
    thinking_cut: bool = False
    """The reply was cut before `</think>`: there is no answer to parse."""
    prompt_tokens: int = 0
    """Tokens in the prompt."""
    completion_tokens: int = 0
    """Tokens generated."""
    latency_s: float = 0.0
    """Wall time of the call."""


TokenSink = Callable[[str], None]
"""Called with each piece of text as a backend generates it (thinking included): for display only."""


class ChatModel(Protocol):
    """A chat model: messages (and optional tool schemas) in, one reply out.

    Backends subclass this protocol explicitly to take the defaults of its capabilities (not thread-safe,
    no endpoint to probe, no batching, unknown context window) and override what they do better.
    """

    name: str
    """What to record in trajectories (model id or path; never a secret)."""
    thread_safe: bool = False
    """`chat` may be called from many threads at once (HTTP clients); else callers serialize the calls."""
    batched: bool = False
    """`chat_batch` generates the conversations together, faster than one `chat` after another, and takes one
    Sampling per conversation too: batch runs then share it through `agent.models.batching`."""
    context_window: int | None = None
    """Most tokens of prompt plus reply the model takes; None when the backend cannot tell."""
    on_token: TokenSink | None = None
    """Set by a caller that shows the reply as it is generated; backends that stream (transformers, openai)
    call it with each new piece of text, others never. The reply `chat` returns is the same either way."""

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply: ...

    def chat_batch(
        self,
        conversations: list[list[Message]],
        sampling: Sampling,
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> list[ModelReply]:
        """One reply per conversation; by default one `chat` after another."""
        return [self.chat(messages, tools=tools, sampling=sampling) for messages in conversations]

    def count_prompt_tokens(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None
    ) -> int | None:
        """Tokens the prompt of `messages` takes, by the model's own tokenizer and chat template; None when
        the backend cannot count (callers then estimate, see agent.history)."""
        return None

    def probe(self) -> None:
        """Check the model can answer before a run starts (ModelError, one line, if not); by default it can:
        an in-process model failed at load time already."""
        return None
