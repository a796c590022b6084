"""Which code a completion offers for grading: the answer's fenced Python block after `</think>`, or none."""

from __future__ import annotations

from typing import Any

import pytest

from rl.completions import extract_answer
from tests.support.rl_samples import as_completion, as_messages

CODE = "def square(x):\n    return x * x"


def test_the_answer_is_the_last_python_block_after_the_thinking() -> None:
    text = (
        "<think>\nDraft:\n```python\ndef square(x):\n    return 0\n```\nNo, multiply.\n</think>\n\n"
        "First try:\n```python\ndef square(x):\n    return x + x\n```\n"
        "Shell check:\n```bash\necho hi\n```\n"
        f"Final:\n```python\n{CODE}\n```\n"
    )
    answer = extract_answer(text)
    assert answer.code == CODE
    assert answer.format == "ok"


def test_a_completion_cut_inside_its_thinking_has_no_answer() -> None:
    cut = f"<think>\nLet me write it:\n```python\n{CODE}\n```\nand then check"
    answer = extract_answer(cut)
    assert answer.code is None  # code drafted inside the thinking is never graded
    assert answer.format == "unterminated_thinking"


def test_template_opened_thinking() -> None:
    # QwQ's template ends the prompt with `<think>`: the completion starts inside the thinking.
    closed = f"I should multiply.\n</think>\n\n```python\n{CODE}\n```"
    assert extract_answer(closed, opened_by_template=True).code == CODE
    cut = f"I should multiply.\n```python\n{CODE}\n```"
    assert extract_answer(cut, opened_by_template=True).format == "unterminated_thinking"
    assert extract_answer(cut, opened_by_template=False).code == CODE  # no thinking at all: all answer


def test_no_code_block() -> None:
    answer = extract_answer("<think>\nhmm\n</think>\n\nThe answer is x * x.")
    assert answer.code is None
    assert answer.format == "no_code_block"


def test_an_unterminated_last_fence_still_counts() -> None:
    assert extract_answer(f"<think>\nok\n</think>\n```python\n{CODE}\n").code == CODE


def test_conversational_completions() -> None:
    assert extract_answer(as_messages(CODE)).code == CODE
    parts: list[dict[str, Any]] = [
        {
            "role": "assistant",
            "content": [{"type": "text", "text": f"```python\n{CODE}\n```"}, {"type": "image"}],
        }
    ]
    assert extract_answer(parts).code == CODE
    assert extract_answer([{"role": "user", "content": f"```python\n{CODE}\n```"}]).format == "no_code_block"


def test_a_tool_loop_is_graded_on_its_last_assistant_turn() -> None:
    turns: list[dict[str, Any]] = [
        {"role": "assistant", "content": "```python\ndef square(x):\n    return 0\n```", "tool_calls": []},
        {"role": "tool", "content": "```python\nprint('tool output')\n```"},
        {"role": "assistant", "content": f"```python\n{CODE}\n```"},
    ]
    assert extract_answer(turns).code == CODE


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning", "thinking"])
def test_thinking_split_off_by_a_chat_parser(field: str) -> None:
    # TRL's parse_response puts the thinking in its own field: the content is all answer, even when the
    # template opened the thinking.
    message = {"role": "assistant", "content": f"```python\n{CODE}\n```", field: "multiply"}
    answer = extract_answer([message], opened_by_template=True)
    assert answer.code == CODE
    assert answer.format == "ok"


def test_the_helper_completion_shape() -> None:
    assert extract_answer(as_completion(CODE)).code == CODE
