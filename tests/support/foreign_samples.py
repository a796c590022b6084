"""Ground truths in other datasets' shapes (written here, small), with answers to grade against them."""

from __future__ import annotations

import json
from typing import Any

SQUARE_CALLS = [(2, 4), (-3, 9), (0, 0), (7, 49)]

PRIME_CALLS: dict[str, Any] = {
    # verl/PRIME (APPS, TACO): one argument list per input; APPS wraps the return value in a list
    "fn_name": "square",
    "inputs": [[x] for x, _ in SQUARE_CALLS],
    "outputs": [[y] for _, y in SQUARE_CALLS],
}
PRIME_STDIN: dict[str, Any] = {
    # verl/PRIME (CodeContests): stdin and expected stdout, one pair per case
    "inputs": ["1 2\n", "5 -7\n", "100 200\n"],
    "outputs": ["3\n", "-2\n", "300\n"],
}
LCB_FUNCTIONAL: list[dict[str, Any]] = [
    # DeepCoder / LiveCodeBench: one JSON value per input line, JSON output
    {
        "input": json.dumps(x),
        "output": json.dumps(y),
        "testtype": "functional",
        "metadata": {"func_name": "square"},
    }
    for x, y in SQUARE_CALLS
]
LCB_STDIN: list[dict[str, Any]] = [
    {"input": given, "output": want, "testtype": "stdin", "metadata": {}}
    for given, want in zip(PRIME_STDIN["inputs"], PRIME_STDIN["outputs"], strict=True)
]

SQUARE_HONEST = "def square(x):\n    return x * x\n"
SQUARE_CLASS = "class Solution:\n    def square(self, x: int) -> int:\n        return x * x\n"
SQUARE_WRONG = "def square(x):\n    return x + x\n"  # right for 0 and 2 only
ADD_HONEST = "a, b = map(int, input().split())\nprint(a + b)\n"
ADD_WRONG = "a, b = map(int, input().split())\nprint(a - b if a > 3 else a + b)\n"  # right for the first case

FOREIGN: dict[str, tuple[str, Any, list[str], str]] = {
    # name: (data_source, ground truth, honest answers, a wrong answer)
    "prime-calls": ("apps", PRIME_CALLS, [SQUARE_HONEST, SQUARE_CLASS], SQUARE_WRONG),
    "prime-stdin": ("codecontests", PRIME_STDIN, [ADD_HONEST], ADD_WRONG),
    "lcb-functional": ("livecodebench", LCB_FUNCTIONAL, [SQUARE_HONEST, SQUARE_CLASS], SQUARE_WRONG),
    "lcb-stdin": ("livecodebench", LCB_STDIN, [ADD_HONEST], ADD_WRONG),
}
