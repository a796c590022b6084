"""The one error every backend raises for a problem the user can fix (missing model, dead server, ...)."""

from __future__ import annotations

import re

# vLLM's server: "This model's maximum context length is 2048 tokens"; its engine: "longer than the maximum
# model length of 2048"; OpenAI: "maximum context length is 128000 tokens".
_WINDOW = re.compile(r"maximum (?:context|model) length (?:is|of) (\d+)", re.IGNORECASE)


class ModelError(RuntimeError):
    """A model could not be loaded or called; the message is one line saying what and where."""


class ContextOverflowError(ModelError):
    """The request does not fit the model's context window: shorten the history or the reply budget."""

    def __init__(self, message: str, window: int | None) -> None:
        super().__init__(message)
        self.window = window
        """The context window in tokens, when the refusal named it."""


def context_window_named(refusal: str) -> int | None:
    """The window size a refusal names when it is a context overflow; None when it is some other refusal."""
    found = _WINDOW.search(refusal)
    return int(found.group(1)) if found else None
