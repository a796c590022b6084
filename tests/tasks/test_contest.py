"""Contest files: APPS, LiveCodeBench (plain, compressed) and CodeContests records, graded for real."""

from __future__ import annotations

import base64
import json
import math
import os
import pickle
import zlib
from pathlib import Path
from typing import Any

import pytest

from sandbox import IOCase, SandboxPool
from tasks import TaskError, TaskSpec, grade, job_for, load_suite
from tasks.calls import literal

DATA = Path(__file__).parent / "data"
SUITE = f"stdio:{DATA / 'contest.jsonl'}"

MAX_WINDOW_SUM = """class Solution:
    def maxWindowSum(self, nums: List[int], k: int) -> int:
        best = window = sum(nums[:k])
        for i in range(k, len(nums)):
            window += nums[i] - nums[i - k]
            best = max(best, window)
        return best
"""


def records() -> dict[str, dict[str, Any]]:
    lines = (DATA / "contest.jsonl").read_text().splitlines()
    loaded = [json.loads(line) for line in lines]
    return {str(r.get("problem_id") or r.get("question_id") or r.get("name")): r for r in loaded}


def tasks() -> dict[str, TaskSpec]:
    return {task.id: task for task in load_suite(SUITE)}


def compress(value: object) -> str:
    """LiveCodeBench's packing of private tests: pickle, zlib, base64."""
    return base64.b64encode(zlib.compress(pickle.dumps(value))).decode()


def lcb_record(private_tests: str) -> dict[str, Any]:
    record = dict(records()["abc999_a"])
    record.update(question_id="abc999_b", private_test_cases=private_tests)
    return record


def write_jsonl(path: Path, *objects: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in objects))
    return path


def cases(inputs: list[str], outputs: list[str]) -> list[IOCase]:
    return [IOCase(input=given, output=want) for given, want in zip(inputs, outputs, strict=True)]


def test_apps_stdin_records_grade_every_case_and_show_the_first() -> None:
    record, task = records()["4400"], tasks()["4400"]
    io = json.loads(record["input_output"])
    assert task.kind == "stdio" and task.prompt == record["question"]
    assert task.hidden_tests.cases == cases(io["inputs"], io["outputs"])
    assert task.public_tests.cases == task.hidden_tests.cases[:1]
    assert task.reference_solution == json.loads(record["solutions"])[0]
    assert task.metadata["difficulty"] == record["difficulty"]


def test_apps_fn_name_records_are_function_calls() -> None:
    codewars, leetcode = tasks()["2447"], tasks()["2401"]
    assert codewars.kind == leetcode.kind == "function"
    assert codewars.entry_point == "count_vowels" and leetcode.entry_point == "Solution"
    assert codewars.hidden_tests.code is not None and leetcode.hidden_tests.code is not None
    assert codewars.hidden_tests.code.count("assert count_vowels(") == 3
    assert leetcode.hidden_tests.code.count("assert Solution().twoSum(") == 2
    assert codewars.public_tests.code is not None and codewars.public_tests.code.count("assert") == 1
    assert leetcode.starter_code.startswith("from typing import *\n")


def test_livecodebench_records_grade_public_and_private_tests() -> None:
    record, task = records()["abc999_a"], tasks()["abc999_a"]
    public = [IOCase(input=t["input"], output=t["output"]) for t in json.loads(record["public_test_cases"])]
    private = [IOCase(input=t["input"], output=t["output"]) for t in json.loads(record["private_test_cases"])]
    assert task.kind == "stdio" and task.prompt == record["question_content"]
    assert task.public_tests.cases == public and task.hidden_tests.cases == public + private
    functional = tasks()["3011"]
    assert functional.kind == "function" and functional.entry_point == "Solution"
    assert functional.reference_solution is None
    assert functional.hidden_tests.code is not None
    assert (
        functional.hidden_tests.code.splitlines()[0] == "assert Solution().maxWindowSum([1, 2, 3, 4], 2) == 7"
    )


def test_codecontests_records_take_their_limits_and_python3_solution() -> None:
    record, task = records()["1520_A. Do Not Be Distracted!"], tasks()["1520_A. Do Not Be Distracted!"]
    public = cases(record["public_tests"]["input"], record["public_tests"]["output"])
    assert task.kind == "stdio" and task.prompt == record["description"]
    assert task.public_tests.cases == public
    every = [record[field] for field in ("public_tests", "private_tests", "generated_tests")]
    assert task.hidden_tests.cases == [
        case for tests in every for case in cases(tests["input"], tests["output"])
    ]
    assert task.reference_solution == record["solutions"]["solution"][1]  # the first in language 3, Python 3
    assert task.time_limit_s == record["time_limit"]["seconds"]
    assert task.memory_mb == record["memory_limit_bytes"] // 2**20


def test_json_values_become_python_source_that_reads_back() -> None:
    values: list[Any] = [[1, 2.5, "a\nb'\"", None, True], {"k": [[]]}, float("inf"), -float("inf")]
    for value in values:
        assert eval(literal(value)) == value
    assert math.isnan(eval(literal(float("nan"))))


@pytest.mark.docker
def test_contest_references_pass_their_hidden_and_public_tests(pool: SandboxPool) -> None:
    checked = [task for task in load_suite(SUITE) if task.reference_solution]
    assert len(checked) == 4
    jobs = [
        job_for(task, task.reference_solution or "", which)
        for task in checked
        for which in ("hidden", "public")
    ]
    results = pool.run_many(jobs)
    assert [result.status for result in results] == ["passed"] * len(jobs), results


@pytest.mark.docker
def test_wrong_stdio_answers_fail(pool: SandboxPool) -> None:
    apps = grade(pool, tasks()["4400"], "a, b = map(int, input().split())\nprint(a - b)\n")
    assert apps.status == "failed"
    always_yes = grade(
        pool, tasks()["1520_A. Do Not Be Distracted!"], "for _ in range(int(input())):\n    print('YES')\n"
    )
    assert always_yes.status == "failed"
    assert 0 < always_yes.pass_fraction < 1


@pytest.mark.docker
def test_apps_calls_accept_the_wrapped_or_the_plain_value(pool: SandboxPool) -> None:
    task = tasks()["2447"]
    counting = "def count_vowels(s):\n    return {}sum(ch in 'aeiouAEIOU' for ch in s){}\n"
    assert grade(pool, task, counting.format("", "")).status == "passed"
    assert grade(pool, task, counting.format("[", "]")).status == "passed"
    off_by_one = grade(pool, task, counting.format("1 + ", ""))
    assert off_by_one.status == "failed" and off_by_one.pass_fraction == 0


@pytest.mark.docker
def test_livecodebench_functional_answers_are_called(pool: SandboxPool) -> None:
    task = tasks()["3011"]
    # A whole class that leaves out `from typing import List`, as LeetCode answers do.
    assert grade(pool, task, MAX_WINDOW_SUM).status == "passed"
    body = MAX_WINDOW_SUM.split("-> int:\n", 1)[1].removeprefix("        ")
    assert grade(pool, task, body).status == "passed"  # continues the starter code
    wrong = grade(pool, task, MAX_WINDOW_SUM.replace("best = max(best, window)", "best = window"))
    assert wrong.status == "failed"
    assert wrong.result is not None
    assert wrong.result.tests[0].passed and not all(verdict.passed for verdict in wrong.result.tests)
    assert grade(pool, task, MAX_WINDOW_SUM.replace("best = max", "best = min"), "public").status == "failed"


@pytest.mark.docker
def test_compressed_private_tests_load_and_grade(tmp_path: Path, pool: SandboxPool) -> None:
    private = [
        {"input": f"{n}\n" + " ".join(["2"] * n) + "\n", "output": f"{n}\n", "testtype": "stdin"}
        for n in (6, 9)
    ]
    path = write_jsonl(tmp_path / "lcb.jsonl", lcb_record(compress(json.dumps(private))))
    (task,) = load_suite(f"stdio:{path}")
    assert task.hidden_tests.cases[1:] == [IOCase(input=t["input"], output=t["output"]) for t in private]
    counting = "input()\nprint(sum(int(x) % 2 == 0 for x in input().split()))\n"
    assert grade(pool, task, counting).status == "passed"
    only_the_sample = "print(2)\n"
    assert grade(pool, task, only_the_sample, "public").status == "passed"
    assert grade(pool, task, only_the_sample).status == "failed"


class RunsACommand:
    """A pickle that, loaded by plain `pickle.loads`, would run a shell command."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (self.command,))


def test_a_malicious_pickle_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write_jsonl(tmp_path / "lcb.jsonl", lcb_record(compress(RunsACommand(f"touch {marker}"))))
    with pytest.raises(TaskError) as caught:
        load_suite(f"stdio:{path}")
    refused = f"{os.system.__module__}.system"  # posix.system on Linux
    assert str(caught.value) == (
        f"{path}:1: field 'private_test_cases': refused to load {refused}: only plain data may be unpickled"
    )
    assert not marker.exists()


@pytest.mark.parametrize(
    ("packed", "problem"),
    [
        (compress(["not", "a", "string"]), "compressed tests hold a list, expected a JSON string"),
        (
            compress("[{not json"),
            "not valid JSON: Expecting property name enclosed in double quotes (column 3)",
        ),
        ("@@not base64@@", "neither JSON nor base64/zlib/pickle-compressed tests"),
    ],
)
def test_compressed_tests_that_are_not_a_json_string_are_errors(
    tmp_path: Path, packed: str, problem: str
) -> None:
    path = write_jsonl(tmp_path / "lcb.jsonl", lcb_record(packed))
    with pytest.raises(TaskError) as caught:
        load_suite(f"stdio:{path}")
    assert str(caught.value).startswith(f"{path}:1: field 'private_test_cases': {problem}")
