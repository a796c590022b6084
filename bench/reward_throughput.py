"""`python -m bench.reward_throughput [LIMIT]`: rewards per second, sandloop's way and the per-test-case way.

The completions are HumanEval's canonical solutions and their broken variants, each wrapped as a reasoning
model writes them (thinking, then a fenced block). Contender A is the TRL adapter (`rl.trl_reward.TrlReward`):
one sandbox job per completion, every assert of the check graded inside it. Contender B is the pattern verl
uses with SandboxFusion: each test case its own sandbox call, here each assert of the check as its own
`TestJob`, through the same warm pool. Both rates, their ratio and the verdicts are printed; the last line is
one JSON object.
"""

from __future__ import annotations

import ast
import json
import sys
import time
from typing import Any

from bench.humaneval_samples import broken_program, canonical_program, load_problems
from rl.completions import extract_answer
from rl.dataset import VERIFICATION_COLUMN, verification_info
from rl.trl_reward import TrlReward
from sandbox import Limits, PoolConfig, SandboxPool, TestJob
from tasks.grading import program_for
from tasks.humaneval import task_from
from tasks.spec import TaskSpec


def as_completion(program: str) -> str:
    return f"<think>\nI know this one; here is the function.\n</think>\n\n```python\n{program}\n```\n"


def split_check(test: str) -> list[str]:
    """One test code per assert-holding statement of `check`, each after the statements that set it up."""
    module = ast.parse(test)
    check = next(node for node in module.body if isinstance(node, ast.FunctionDef) and node.name == "check")
    setup: list[ast.stmt] = []
    bodies: list[list[ast.stmt]] = []
    for statement in check.body:
        if any(isinstance(node, ast.Assert) for node in ast.walk(statement)):
            bodies.append([*setup, statement])
        else:
            setup.append(statement)
    if not bodies:
        return [test]
    cases = []
    for body in bodies:
        check.body = body
        cases.append(ast.unparse(module) + "\n")
    return cases


def per_case_jobs(task: TaskSpec, completion: str) -> list[TestJob]:
    code = extract_answer(completion).code or ""
    program, limits = program_for(task, code), Limits(timeout_s=task.time_limit_s)
    assert task.hidden_tests.code is not None
    return [
        TestJob(source=program, tests=case, entry_point=task.entry_point, limits=limits)
        for case in split_check(task.hidden_tests.code)
    ]


def per_case_rewards(
    pool: SandboxPool, tasks: list[TaskSpec], completions: list[str]
) -> tuple[list[float], int]:
    """Pass fraction over the separate per-case calls; the number of sandbox calls made."""
    jobs = [per_case_jobs(task, completion) for task, completion in zip(tasks, completions, strict=True)]
    results = iter(pool.run_many(job for group in jobs for job in group))
    rewards = []
    for group in jobs:
        passed = sum(next(results).status == "passed" for _ in group)
        rewards.append(passed / len(group))
    return rewards, sum(len(group) for group in jobs)


def verdicts_right(rewards: list[float | None], expected: list[bool]) -> int:
    return sum((reward == 1.0) == want for reward, want in zip(rewards, expected, strict=True))


def main(limit: int | None = None) -> dict[str, Any]:
    problems = load_problems(limit)
    tasks = [task_from(problem) for problem in problems] * 2
    completions = [as_completion(canonical_program(p)) for p in problems] + [
        as_completion(broken_program(p)) for p in problems
    ]
    expected = [True] * len(problems) + [False] * len(problems)
    infos = [verification_info(task) for task in tasks]
    count = len(completions)
    print(
        f"Reward throughput: {count} HumanEval completions ({len(problems)} canonical + {len(problems)} broken)"
    )
    with SandboxPool(PoolConfig()) as pool:
        reward = TrlReward(pool)
        reward(prompts=[""] * 8, completions=completions[:8], **{VERIFICATION_COLUMN: infos[:8]})  # warm-up
        started = time.perf_counter()
        adapter = reward(prompts=[""] * count, completions=completions, **{VERIFICATION_COLUMN: infos})
        adapter_s = time.perf_counter() - started
        started = time.perf_counter()
        per_case, calls = per_case_rewards(pool, tasks, completions)
        per_case_s = time.perf_counter() - started
        pool_size = pool.config.size
    figures = {
        "completions": count,
        "pool_size": pool_size,
        "adapter_s": round(adapter_s, 3),
        "adapter_completions_per_s": round(count / adapter_s, 1),
        "adapter_verdicts_right": verdicts_right(adapter, expected),
        "per_case_calls": calls,
        "per_case_s": round(per_case_s, 3),
        "per_case_completions_per_s": round(count / per_case_s, 1),
        "per_case_verdicts_right": verdicts_right(list(per_case), expected),
        "adapter_speedup": round(per_case_s / adapter_s, 2),
        "unscored": sum(value is None for value in adapter),
    }
    print(
        f"TRL adapter (one job per completion): {figures['adapter_completions_per_s']} completions/s "
        f"({count} in {adapter_s:.2f} s), verdicts right {figures['adapter_verdicts_right']}/{count}"
    )
    print(
        f"one sandbox call per test case: {figures['per_case_completions_per_s']} completions/s "
        f"({calls} calls in {per_case_s:.2f} s), verdicts right {figures['per_case_verdicts_right']}/{count}"
    )
    print(f"adapter speed-up over per-case calls: {figures['adapter_speedup']}x, pool of {pool_size}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    result = main(int(sys.argv[1]) if len(sys.argv) > 1 else None)
    sys.exit(0 if result["adapter_verdicts_right"] == result["completions"] else 1)
