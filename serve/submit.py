"""`/submit` for `CommonOJDataset` problems given in the request (`config.provided_data`), as SandboxFusion judges them.

Cases run concurrently and are judged in order; judging stops at the first failing case (unless
`extra.run_all_cases`), whose later runs are called off. Departures, each a 400 naming the field where
SandboxFusion would answer 500 or run request code: `custom_extract_logic` (it `exec`s request code in the
server), a missing `provided_data` (there is no dataset database here), malformed or empty cases.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import ValidationError

from serve.config import ServeConfig
from serve.judge import extract_code, outputs_match
from serve.protocol import (
    EvalResult,
    EvalTestCase,
    GeneralStdioTest,
    RunCodeRequest,
    RunStatus,
    SubmitRequest,
)
from serve.run_code import bad_request, run_code_response, run_job
from serve.runner import JobRunner

COMMON_OJ = "CommonOJDataset"
INTERPRETED_RUN_TIMEOUT_S = 20.0  # SandboxFusion's default for languages without a compile step
CASE_TEXT_KEPT = 1000


def _cut(text: str) -> str:
    if len(text) <= CASE_TEXT_KEPT:
        return text
    keep = (CASE_TEXT_KEPT - 3) // 2
    return text[:keep] + "..." + text[-keep:]


def _cases(request: SubmitRequest) -> list[GeneralStdioTest]:
    data = request.config.provided_data
    if isinstance(data, list):
        raise bad_request("config.provided_data: should be one problem (an object), not a list")
    if not data:
        raise bad_request("config.provided_data: required (sandloop serve has no dataset database)")
    if "test" not in data:
        raise bad_request("config.provided_data.test: required")
    raw = data["test"]
    if isinstance(raw, str):
        try:
            raw = json.loads(raw, strict=False)
        except json.JSONDecodeError as error:
            raise bad_request(f"config.provided_data.test: not valid JSON ({error})") from None
    if not isinstance(raw, list) or not raw:
        raise bad_request("config.provided_data.test: should be a non-empty list of cases")
    cases = []
    for index, case in enumerate(raw):
        where = f"config.provided_data.test[{index}]"
        try:
            parsed = GeneralStdioTest.model_validate(case)
        except ValidationError as error:
            first = error.errors()[0]
            raise bad_request(f"{where}.{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
        if "stdin" not in parsed.input or "stdout" not in parsed.output:
            raise bad_request(f"{where}: needs input.stdin and output.stdout")
        cases.append(parsed)
    return cases


def _check_config(request: SubmitRequest) -> str:
    config = request.config
    if config.dataset_type is None:
        raise bad_request(f"no eval class found for dataset {request.dataset}")
    if config.dataset_type != COMMON_OJ:
        raise bad_request(f"eval class {config.dataset_type} not found (sandloop serve judges {COMMON_OJ})")
    if not config.language:
        raise bad_request(f"config.language field must exist for {COMMON_OJ}, got None")
    if config.custom_extract_logic is not None:
        raise bad_request(
            "config.custom_extract_logic: not supported (it would run request code in the server)"
        )
    return config.language


async def submit(request: SubmitRequest, runner: JobRunner, config: ServeConfig) -> EvalResult:
    language = _check_config(request)
    cases = _cases(request)
    code = extract_code(request.completion, language)
    run_timeout = request.config.run_timeout or INTERPRETED_RUN_TIMEOUT_S
    jobs = [
        run_job(RunCodeRequest(code=code, language=language, stdin=case.input["stdin"]), config, run_timeout)
        for case in cases
    ]
    runs = [asyncio.ensure_future(runner.run(job)) for job in jobs]
    run_all = bool(request.config.extra.get("run_all_cases", False))
    full_cases = bool(request.config.extra.get("return_full_case", False))
    judged: list[EvalTestCase] = []
    try:
        for case, run in zip(cases, runs, strict=True):
            result = await run
            info = run_code_response(result)
            stdout = info.run_result.stdout if info.run_result else None
            passed = (
                info.status == RunStatus.Success
                and result.stdout_truncated_bytes == 0  # a cut output is never a match
                and outputs_match(stdout or "", case.output["stdout"])
            )
            test_info: dict[str, Any] = case.model_dump()
            if passed and not full_cases:
                test_info = {side: {k: _cut(v) for k, v in test_info[side].items()} for side in test_info}
            judged.append(EvalTestCase(passed=passed, exec_info=info, test_info=test_info))
            if not passed and not run_all:
                break
    finally:
        for run in runs:
            run.cancel()  # cases not started yet are called off; running ones finish in their container
            if run.done() and not run.cancelled():
                run.exception()  # a fault of a case nobody awaits any more is not worth a log line
    return EvalResult(
        id=request.id,
        accepted=all(case.passed for case in judged) and len(judged) == len(cases),
        extracted_code=code,
        tests=judged,
    )
