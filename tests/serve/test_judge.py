"""SandboxFusion's judging rules as `/submit` applies them: code extraction and the lenient comparison."""

from __future__ import annotations

import pytest

from serve.judge import extract_code, outputs_match


@pytest.mark.parametrize(
    ("actual", "expected", "match"),
    [
        ("4\n", "4", True),
        ("  Yes  \nNO\n", "yes\nno", True),  # each line stripped, case-folded
        ("0.3333333\n", "0.33333334", True),  # relative 1e-5
        ("0.333\n", "0.3333", False),
        ("1e-16\n", "0", True),  # SandboxFusion's 1e-10 floor on the denominator
        ("4\n\n\n", "4", True),  # the whole output is stripped first
        ("4\n5\n", "4", False),
        ("", "4", False),
        ("", "", True),
        ("nan\n", "nan", True),  # equal as text before numbers are tried
        ("inf\n", "1e400", False),
        ("a b\n", "a  b", False),  # inner white space counts
    ],
)
def test_outputs_match(actual: str, expected: str, match: bool) -> None:
    assert outputs_match(actual, expected) is match


def test_extraction_prefers_a_closed_python_fence() -> None:
    completion = "text\n```js\nconsole.log(1)\n```\nmore\n```python\nprint(2)\n```\n```py\nprint(3)\n```"
    assert extract_code(completion, "python") == "print(2)"


def test_extraction_falls_back_to_any_closed_fence_then_unclosed_then_definitions() -> None:
    assert extract_code("```\nprint(1)\n```", "python") == "print(1)"
    assert extract_code("```python\nprint(1)\n", "python") == "print(1)\n"
    assert (
        extract_code("Sure.\nimport os\ndef f(x):\n    return x\nDone.", "python")
        == "import os\ndef f(x):\n    return x\n"
    )
    assert extract_code("No code at all.", "python") == ""
