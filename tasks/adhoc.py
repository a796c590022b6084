"""A task from free text (`sandloop solve "..."`): no tests of its own, so the agent writes them."""

from __future__ import annotations

import hashlib

from tasks.spec import TaskSpec, TestSet

SUITE = "adhoc"


def adhoc_task(problem: str, time_limit_s: float = 10.0) -> TaskSpec:
    digest = hashlib.sha256(problem.encode()).hexdigest()[:10]
    return TaskSpec(
        id=f"problem-{digest}",
        suite=SUITE,
        prompt=problem.strip(),
        kind="function",
        public_tests=TestSet(),
        hidden_tests=TestSet(),
        time_limit_s=time_limit_s,
    )
