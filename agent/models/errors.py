"""The one error every backend raises for a problem the user can fix (missing model, dead server, ...)."""

from __future__ import annotations


class ModelError(RuntimeError):
    """A model could not be loaded or called; the message is one line saying what and where."""
