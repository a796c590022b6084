"""Contest-style output comparison, done in the host: exact, modulo trailing white space."""

from __future__ import annotations


def _normalise(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.rstrip().split("\n")]
    return lines if lines != [""] else []


def compare_output(actual: str, expected: str) -> str | None:
    """None when the outputs match; else a one-line description of the first difference."""
    got, want = _normalise(actual), _normalise(expected)
    if got == want:
        return None
    for number, (got_line, want_line) in enumerate(zip(got, want, strict=False), start=1):
        if got_line != want_line:
            return f"line {number}: expected {want_line[:80]!r}, got {got_line[:80]!r}"
    if len(got) < len(want):
        return f"output ended after {len(got)} lines; expected {len(want)}"
    return f"{len(got) - len(want)} extra lines after the expected {len(want)}"
