"""The one error every backend raises for a problem the user can fix (missing model, dead server, ...)."""

from __future__ import annotations

import re

# vLLM's server: "This model's maximum context length is 2048 tokens"; its engine: "longer than the maximum
# model length of 2048"; OpenAI: "maximum context length is 128000 tokens".
_WINDOW = re.compile(r"maximum (?:context|model) length (?:is|of) (\d+)", re.IGNORECASE)
# vLLM: "your prompt contains [at least] 2050 input tokens"; OpenAI: "your messages resulted in 2050 tokens",
# "(2050 in the messages, 100 in the completion)"
_PROMPT = re.compile(
    r"(\d+) input tokens|messages resulted in (\d+) tokens|(\d+) in the messages", re.IGNORECASE
)


class ModelError(RuntimeError):
    """A model could not be loaded or called; the message is one line saying what and where."""


class ContextOverflowError(ModelError):
    """The request does not fit the model's context window: shorten the history or the reply budget."""

    def __init__(self, message: str, window: int | None, prompt_tokens: int | None = None) -> None:
        super().__init__(message)
        self.window = window
        """The context window in tokens, when the refusal named it."""
        self.prompt_tokens = prompt_tokens
        """The prompt's size in tokens, when the refusal named it."""


def context_window_named(refusal: str) -> int | None:
    """The window size a refusal names when it is a context overflow; None when it is some other refusal."""
    found = _WINDOW.search(refusal)
    return int(found.group(1)) if found else None


def prompt_tokens_named(refusal: str) -> int | None:
    """The prompt size a context-overflow refusal names, if it does."""
    found = _PROMPT.search(refusal)
    return int(next(group for group in found.groups() if group)) if found else None


def overflow_error(said: str, refusal: str) -> ContextOverflowError | None:
    """A ContextOverflowError saying `said` when `refusal` is a context overflow; None when it is not."""
    window = context_window_named(refusal)
    return None if window is None else ContextOverflowError(said, window, prompt_tokens_named(refusal))
