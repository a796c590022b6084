"""SandboxFusion's own client SDK (`sandbox-fusion` 0.3.7) against the real server: run_code and submit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sandbox_fusion import (
    RunCodeRequest,
    RunStatus,
    SubmitRequest,
    TestConfig,
    run_code,
    submit,
)

from bench.humaneval_samples import broken_program, canonical_program, check_program, load_problems

pytestmark = pytest.mark.docker

DOUBLE = "```python\nprint(2 * int(input()))\n```"


def stdio_problem(cases: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "id": "double",
        "content": "Print twice the number read.",
        "labels": {},
        "test": [{"input": {"stdin": given}, "output": {"stdout": wanted}} for given, wanted in cases],
    }


def judge(url: str, completion: str, problem: dict[str, Any], **extra: Any) -> Any:
    config = TestConfig(dataset_type="CommonOJDataset", language="python", provided_data=problem, extra=extra)
    return submit(
        SubmitRequest(dataset="mine", id=problem["id"], completion=completion, config=config), endpoint=url
    )


def test_ping(url: str) -> None:
    assert httpx.get(f"{url}/v1/ping").json() == "pong"


def test_humaneval_checks_through_run_code(url: str) -> None:
    for problem in load_problems(limit=8):
        good = run_code(
            RunCodeRequest(code=check_program(problem, canonical_program(problem)), language="python"),
            endpoint=url,
        )
        assert good.status == RunStatus.Success, (problem["task_id"], good)
        assert good.run_result is not None and good.run_result.return_code == 0
        bad = run_code(
            RunCodeRequest(code=check_program(problem, broken_program(problem)), language="python"),
            endpoint=url,
        )
        assert bad.status == RunStatus.Failed, (problem["task_id"], bad)
        assert bad.run_result is not None and "AssertionError" in (bad.run_result.stderr or "")


def test_run_code_reports_what_the_program_did(url: str) -> None:
    echo = run_code(
        RunCodeRequest(
            code="import sys\nprint(sys.stdin.read().upper(), end='')", stdin="abc\n", language="python"
        ),
        endpoint=url,
    )
    assert echo.run_result is not None
    assert (echo.status, echo.run_result.stdout, echo.run_result.stderr) == (RunStatus.Success, "ABC\n", "")
    assert echo.compile_result is None and echo.message == ""
    crash = run_code(
        RunCodeRequest(code="import sys\nprint('out')\nsys.exit(3)", language="python"), endpoint=url
    )
    assert crash.status == RunStatus.Failed and crash.run_result is not None
    assert (crash.run_result.status.value, crash.run_result.return_code, crash.run_result.stdout) == (
        "Finished",
        3,
        "out\n",
    )
    slow = run_code(
        RunCodeRequest(code="import time\ntime.sleep(30)", run_timeout=1, language="python"), endpoint=url
    )
    assert slow.status == RunStatus.Failed and slow.run_result is not None
    assert (slow.run_result.status.value, slow.run_result.return_code) == ("TimeLimitExceeded", None)


def test_files_are_placed_before_the_run(url: str) -> None:
    import base64

    request = RunCodeRequest(
        code="print(open('data/in.txt').read().strip())",
        language="python",
        files={"data/in.txt": base64.b64encode(b"placed\n").decode(), "skipped.txt": None},
    )
    answer = run_code(request, endpoint=url)
    assert answer.run_result is not None and answer.run_result.stdout == "placed\n"


def test_submit_accepts_a_right_answer(url: str) -> None:
    result = judge(
        url, f"Here it is:\n{DOUBLE}\n", stdio_problem([("2\n", "4\n"), ("-5", "-10"), ("0", "0")])
    )
    assert result.accepted
    assert result.extracted_code == "print(2 * int(input()))"
    assert [case.passed for case in result.tests] == [True, True, True]
    assert result.tests[0].exec_info.run_result.stdout == "4\n"


def test_submit_compares_as_sandboxfusion_does(url: str) -> None:
    # Case-folded, each line stripped, numbers within 1e-5 relative: SandboxFusion's rules, not sandloop's.
    program = "```python\nprint('  YES ')\nprint(1/3)\nprint('tail')\n```"
    lenient = judge(url, program, stdio_problem([("", "yes\n0.333333\nTAIL\n\n")]))
    assert lenient.accepted
    wrong = judge(url, program, stdio_problem([("", "yes\n0.3333\ntail")]))
    assert not wrong.accepted


def test_submit_stops_at_the_first_failing_case(url: str) -> None:
    cases = [("1", "2"), ("2", "5"), ("3", "6"), ("4", "8")]
    first_only = judge(url, DOUBLE, stdio_problem(cases))
    assert not first_only.accepted
    assert [case.passed for case in first_only.tests] == [True, False]
    assert first_only.tests[1].test_info == {"input": {"stdin": "2"}, "output": {"stdout": "5"}}
    every = judge(url, DOUBLE, stdio_problem(cases), run_all_cases=True)
    assert [case.passed for case in every.tests] == [True, False, True, True]


def test_submit_takes_the_test_list_as_a_json_string(url: str) -> None:
    import json

    problem = stdio_problem([("7", "14")])
    problem["test"] = json.dumps(problem["test"])
    assert judge(url, DOUBLE, problem).accepted


def test_submit_without_code_is_not_accepted(url: str) -> None:
    result = judge(url, "I do not know.", stdio_problem([("1", "2")]))
    assert not result.accepted
    assert result.extracted_code == ""


def test_unknown_request_fields_are_ignored(url: str) -> None:
    body = {"code": "print(1)", "language": "python", "expected_stdout": "1", "some_future_field": {"x": 1}}
    answer = httpx.post(f"{url}/run_code", json=body)
    assert answer.status_code == 200 and answer.json()["status"] == "Success"


def test_a_language_not_served_is_refused_as_sandboxfusion_refuses_it(url: str) -> None:
    for language in ("cpp", "cobol", "python3"):
        answer = httpx.post(f"{url}/run_code", json={"code": "int main(){}", "language": language})
        assert answer.status_code == 422
        (error,) = answer.json()["detail"]
        assert (error["type"], error["loc"], error["input"]) == (
            "literal_error",
            ["body", "language"],
            language,
        )


def test_bad_submissions_are_400s_naming_the_field(url: str) -> None:
    base = {"dataset": "mine", "id": 1, "completion": DOUBLE}
    no_type = httpx.post(f"{url}/submit", json={**base, "config": {"language": "python"}})
    assert (no_type.status_code, no_type.json()["detail"]) == (400, "no eval class found for dataset mine")
    config = {"dataset_type": "CommonOJDataset", "language": "python"}
    no_data = httpx.post(f"{url}/submit", json={**base, "config": config})
    assert no_data.status_code == 400 and "config.provided_data" in no_data.json()["detail"]
    bad_case = {**config, "provided_data": {"id": 1, "test": [{"input": {"stdin": "1"}, "output": {}}]}}
    answer = httpx.post(f"{url}/submit", json={**base, "config": bad_case})
    assert answer.status_code == 400 and "config.provided_data.test[0]" in answer.json()["detail"]
    custom = {**config, "custom_extract_logic": "import os", "provided_data": stdio_problem([("1", "2")])}
    refused = httpx.post(f"{url}/submit", json={**base, "config": custom})
    assert refused.status_code == 400 and "custom_extract_logic" in refused.json()["detail"]
    timeout = httpx.post(f"{url}/run_code", json={"code": "1", "language": "python", "run_timeout": 10_000})
    assert timeout.status_code == 400 and "run_timeout" in timeout.json()["detail"]


def test_binary_files_go_in_and_come_back_byte_exact(url: str) -> None:
    import base64
    import hashlib

    every_byte = bytes(range(256))
    code = (
        "import hashlib\ndata = open('blob/every.bin', 'rb').read()\n"
        "print(hashlib.sha256(data).hexdigest())\nopen('back.bin', 'wb').write(data[::-1])"
    )
    request = RunCodeRequest(
        code=code,
        language="python",
        files={"blob/every.bin": base64.b64encode(every_byte).decode()},
        fetch_files=["back.bin"],
    )
    answer = run_code(request, endpoint=url)
    assert answer.status == RunStatus.Success, answer
    assert answer.run_result is not None
    assert answer.run_result.stdout.strip() == hashlib.sha256(every_byte).hexdigest()
    assert base64.b64decode(answer.files["back.bin"]) == every_byte[::-1]


@pytest.mark.parametrize("name", ["/etc/passwd", "../up.bin", "main.py"])
def test_file_paths_out_of_the_work_dir_are_refused(url: str, name: str) -> None:
    body = {"code": "print(1)", "language": "python", "files": {name: "AAE="}}
    answer = httpx.post(f"{url}/run_code", json=body, timeout=30)
    assert answer.status_code == 400, answer.text
    assert name in answer.json()["detail"]
