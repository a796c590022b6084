"""A small function task for the agent tests: public tests shown, hidden tests graded after."""

from __future__ import annotations

from tasks.spec import TaskSpec, TestSet

HIDDEN_MARKER = "hidden_case_9137"


def make_add_task() -> TaskSpec:
    return TaskSpec(
        id="toy/add",
        suite="toy",
        prompt="Write a function add(a, b) that returns the sum of a and b.",
        kind="function",
        entry_point="add",
        public_tests=TestSet(code="assert add(1, 2) == 3\nassert add(-1, 1) == 0\n"),
        hidden_tests=TestSet(code=f"{HIDDEN_MARKER} = 1\nassert add(10, 5) == 15\nassert add(0, 0) == 0\n"),
        time_limit_s=5,
    )
