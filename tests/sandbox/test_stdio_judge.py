"""Contest output comparison: exact but for trailing white space, with a useful first difference."""

from __future__ import annotations

import pytest

from sandbox.stdio_judge import compare_output


@pytest.mark.parametrize(
    ("actual", "expected"),
    [("1 2\n3\n", "1 2\n3"), ("1 2  \r\n3\n\n\n", "1 2\n3\n"), ("", "\n"), ("x", "x")],
)
def test_trailing_white_space_is_ignored(actual: str, expected: str) -> None:
    assert compare_output(actual, expected) is None


@pytest.mark.parametrize(
    ("actual", "expected", "difference"),
    [
        ("YES\n", "yes\n", "line 1: expected 'yes', got 'YES'"),
        ("1\n", "1\n2\n", "output ended after 1 lines; expected 2"),
        ("1\n2\n", "1\n", "1 extra lines after the expected 1"),
        (" 1\n", "1\n", "line 1: expected '1', got ' 1'"),
        ("1 2\n", "1  2\n", "line 1: expected '1  2', got '1 2'"),
        ("all tests passed\n", "42\n", "line 1: expected '42', got 'all tests passed'"),
    ],
)
def test_anything_else_is_a_difference(actual: str, expected: str, difference: str) -> None:
    assert compare_output(actual, expected) == difference
