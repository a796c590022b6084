"""Which fenced block is the answer: the one defining the entry point, else the longest; never thinking."""

from __future__ import annotations

from agent.actions import actions_from
from agent.models.replies import build_reply
from agent.reasoning import answer_code_block

SOLUTION = "def add(a, b):\n    return a + b"
EXAMPLE = "print(add(1, 2))"
ANSWER = f"Here it is:\n```python\n{SOLUTION}\n```\nUsage:\n```python\n{EXAMPLE}\n```"


def test_the_block_defining_the_entry_point_not_the_example_after_it() -> None:
    assert answer_code_block(ANSWER, "add") == SOLUTION


def test_without_an_entry_point_the_longest_block() -> None:
    assert answer_code_block(ANSWER) == SOLUTION
    assert answer_code_block(ANSWER, "missing") == SOLUTION  # nothing defines it: the longest


def test_a_revised_definition_wins_over_an_earlier_one() -> None:
    revised = "def add(a, b):\n    return b + a"
    text = f"```python\n{SOLUTION}\n```\nBetter:\n```python\n{revised}\n```\n```python\n{EXAMPLE}\n```"
    assert answer_code_block(text, "add") == revised


def test_entry_point_is_matched_as_a_whole_name() -> None:
    helper = "def add_all(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total"
    text = f"```python\n{helper}\n```\n```python\n{SOLUTION}\n```"
    assert answer_code_block(text, "add") == SOLUTION


def test_no_block_no_answer() -> None:
    assert answer_code_block("The answer is 4.", "add") is None


def test_code_inside_thinking_is_never_the_action() -> None:
    drafted = f"<think>\nA draft:\n```python\nimport os\nos.remove('x')\n```\n</think>\n\n{ANSWER}"
    reply = build_reply(drafted, finish_reason="stop")
    [action] = actions_from(reply, "add")
    assert action["arguments"] == {"code": SOLUTION}
    cut = build_reply(
        "A draft:\n```python\nimport os\n```\nstill thinking", finish_reason="length", opened_by_template=True
    )
    assert cut.thinking_cut
    assert actions_from(cut, "add") == []


DRAFT = "```python\nimport shutil\nshutil.rmtree('/tmp/job')  # a long, dangerous draft, longer than the answer\n```"


def test_a_thought_opened_after_a_preface_is_thinking_even_when_cut() -> None:
    cut = build_reply(f"Let me think.\n<think>\n{DRAFT}\nstill", finish_reason="length")
    assert cut.thinking_cut
    assert cut.text == ""
    assert actions_from(cut, "add") == []
    closed = build_reply(f"Hmm.\n<think>\n{DRAFT}\n</think>\n{ANSWER}", finish_reason="stop")
    assert [a["arguments"]["code"] for a in actions_from(closed)] == [SOLUTION]


def test_a_later_thought_in_the_answer_is_never_run() -> None:
    for tail in (f"<think>\n{DRAFT}\n</think>", f"<think>\n{DRAFT}"):  # closed, or cut at the end
        reply = build_reply(f"<think>ok</think>\n{ANSWER}\n{tail}", finish_reason="stop")
        assert "rmtree" not in reply.text
        assert reply.reasoning is not None and "rmtree" in reply.reasoning
        assert [a["arguments"]["code"] for a in actions_from(reply)] == [SOLUTION]


def test_a_thought_left_in_server_split_content_is_thinking() -> None:
    reply = build_reply(
        f"{ANSWER}\n<think>{DRAFT}</think>", finish_reason="stop", reasoning="parsed thoughts"
    )
    assert "rmtree" not in reply.text
    assert reply.reasoning is not None and reply.reasoning.startswith("parsed thoughts")
    assert [a["arguments"]["code"] for a in actions_from(reply)] == [SOLUTION]


def test_a_template_opened_thought_ends_at_the_first_close() -> None:
    reply = build_reply(f"{DRAFT}\n</think>\n\n{ANSWER}", finish_reason="stop", opened_by_template=True)
    assert [a["arguments"]["code"] for a in actions_from(reply, "add")] == [SOLUTION]
