"""What of a function answer is graded: its imports, definitions and the constants they use, never the
answer's own test code.

Small instruct models append asserts, prints and usage examples to their solutions (the Qwen2.5-Coder-0.5B
did in 30 of 164 HumanEval answers, 1024-token replies cut mid-assert among them), and a wrong example of
theirs would fail a right function. The maker's own evaluation (EvalPlus) grades the sanitized answer the
same way. A reply cut inside its code keeps its longest prefix that parses.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
ASSIGNMENTS = (ast.Assign, ast.AnnAssign)
PREFIX_TRIES = 32


def parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):  # ValueError: null bytes in the source
        return None


def parseable_prefix(source: str) -> tuple[ast.Module, list[str]] | None:
    """The whole source parsed, else its longest prefix ending before a top-level line that parses, with
    its lines; None when no prefix does."""
    lines = source.splitlines(keepends=True)
    module = parse(source)
    if module is not None:
        return module, lines
    starts = [n for n, line in enumerate(lines) if n and line[:1].strip() and not line.startswith("#")]
    # a reply is cut near its end: the last few top-level lines are the places to try (bounded, so a hostile
    # answer of a million broken lines costs a few parses, not a million)
    for end in reversed(starts[-PREFIX_TRIES:]):
        module = parse("".join(lines[:end]))
        if module is not None:
            return module, lines[:end]
    return None


def defined_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [statement.name]
    if isinstance(statement, ast.Assign):
        return [target.id for target in statement.targets if isinstance(target, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return [statement.target.id]
    return []


def first_line(statement: ast.stmt) -> int:
    """The statement's first line, its decorators included."""
    return min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])


def defines(module: ast.Module, name: str) -> bool:
    """The module defines `name` at top level."""
    return any(name in defined_names(statement) for statement in module.body)


def _names_used(statements: Sequence[ast.stmt]) -> set[str]:
    return {node.id for statement in statements for node in ast.walk(statement) if isinstance(node, ast.Name)}


def definitions(answer: str, entry_point: str) -> str | None:
    """The answer's top-level imports, functions and classes, and the assignments they use (in their
    order); None when the answer (or its longest parseable prefix) does not define `entry_point`."""
    parsed = parseable_prefix(answer)
    if parsed is None:
        return None
    module, lines = parsed
    if not defines(module, entry_point):
        return None
    defs = [statement for statement in module.body if isinstance(statement, DEFINITIONS)]
    used = _names_used(defs)
    kept = [
        statement
        for statement in module.body
        if isinstance(statement, DEFINITIONS)
        or (isinstance(statement, ASSIGNMENTS) and used.intersection(defined_names(statement)))
    ]
    return "\n\n".join("".join(lines[first_line(s) - 1 : s.end_lineno]).rstrip() for s in kept) + "\n"
