"""Test code for call-based contest tests (APPS `fn_name`, LiveCodeBench `functional`)."""

from __future__ import annotations

import ast
import json
from typing import Any


def literal(value: Any) -> str:
    """Python source for a JSON value: its repr when that reads back equal, else json.loads (NaN, inf)."""
    text = repr(value)
    try:
        if ast.literal_eval(text) == value:
            return text
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    return f"__import__('json').loads({json.dumps(value)!r})"


def call_asserts(callee: str, calls: list[tuple[list[Any], Any]], apps_wrapping: bool = False) -> str:
    """One `assert callee(args) == expected` per call.

    With `apps_wrapping`, an expected list `[x]` also accepts `x`, as APPS's own harness does (its scraped
    outputs wrap the returned value in a list).
    """
    lines = []
    for arguments, expected in calls:
        call = f"{callee}({', '.join(literal(argument) for argument in arguments)})"
        if apps_wrapping and isinstance(expected, list) and expected:
            lines.append(f"assert {call} in ({literal(expected)}, {literal(expected[0])})")
        else:
            lines.append(f"assert {call} == {literal(expected)}")
    return "\n".join(lines) + "\n"
