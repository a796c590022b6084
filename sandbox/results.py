"""Turn the executor's raw answers into JobResults: statuses, output markers, per-test verdicts."""

from __future__ import annotations

from typing import Any

from sandbox.image.executor_protocol import Answer, HarnessReport, RunRecord
from sandbox.models import CasesJob, CompileResult, IOCase, Job, JobResult, RunJob, Status, TestVerdict
from sandbox.stdio_judge import compare_output


def _with_marker(text: str, cut: int, stopped: bool) -> str:
    if stopped:
        return (
            text + f"\n[sandloop: output cut: the job was stopped after printing {cut} more bytes than kept]"
        )
    if cut:
        return text + f"\n[sandloop: output cut: {cut} more bytes not shown]"
    return text


def _last_line(text: str) -> str | None:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else None


def run_status(run: RunRecord, job: Job) -> tuple[Status, str | None]:
    """Status of one program run judged on its own (exit code 0 = completed); tests refine it."""
    outcome = run["outcome"]
    if outcome == "timeout":
        return "timeout", f"time limit reached ({job.limits.timeout_s:g} s wall or CPU)"
    if outcome == "memory":
        return "memory", "memory limit reached"
    if outcome == "output_limit":
        return "output_limit", f"output past {job.limits.output_limit_bytes * 16} bytes: the job was stopped"
    if run["exit_code"] == 0:
        return "passed", None
    if run["signal"] is not None:
        return "error", f"killed by signal {run['signal']}"
    return "error", _last_line(run["stderr"]) or f"exit code {run['exit_code']}"


def _streams(run: RunRecord) -> dict[str, Any]:
    stopped = run["outcome"] == "output_limit"
    return {
        "exit_code": run["exit_code"],
        "stdout": _with_marker(run["stdout"], run["stdout_cut"], stopped and run["stdout_cut"] > 0),
        "stderr": _with_marker(run["stderr"], run["stderr_cut"], stopped and run["stderr_cut"] > 0),
        "stdout_truncated_bytes": run["stdout_cut"],
    }


def interpret(job: Job, answer: Answer) -> JobResult:
    if answer["kind"] == "executor_error":
        return JobResult(status="infra_error", message=f"sandbox executor failed: {answer['message']}")
    if answer["kind"] == "harness_error":
        return JobResult(status="error", message=answer["message"])
    if answer["kind"] != "runs":
        return JobResult(status="infra_error", message=f"the sandbox executor answered {answer['kind']!r}")
    built = compile_result(job, answer.get("compile"))
    if built is not None and built.status != "passed":
        return _compile_failed(job, built)
    if isinstance(job, RunJob):
        result = _run_result(job, answer["runs"][0])
        if "fetched" in answer:
            result = result.model_copy(update={"files": answer["fetched"]})
    elif isinstance(job, CasesJob):
        result = _cases_result(job, answer["runs"])
    else:
        result = _tests_result(job, answer["runs"][0])
    return result if built is None else result.model_copy(update={"compile": built})


def compile_result(job: Job, record: RunRecord | None) -> CompileResult | None:
    if record is None:
        return None
    status, _ = run_status(record, job)
    return CompileResult(
        status="passed" if status == "passed" else "error" if status in ("failed", "error") else status,
        exit_code=record["exit_code"],
        stdout=_with_marker(record["stdout"], record["stdout_cut"], False),
        stderr=_with_marker(record["stderr"], record["stderr_cut"], False),
        duration_s=record["duration_s"],
    )


def _compile_failed(job: Job, built: CompileResult) -> JobResult:
    """No run happened: the job is an `error` (a compile error) or the compile step's limit status."""
    if built.status == "timeout":
        message = f"compile time limit reached ({job.limits.compile_timeout_s:g} s)"
    elif built.status == "error":
        message = "compile error: " + (_last_line(built.stderr) or f"exit code {built.exit_code}")
    else:
        message = f"the compile step stopped: {built.status}"
    status: Status = "error" if built.status == "error" else built.status
    tests = []
    if isinstance(job, CasesJob):
        tests = [
            TestVerdict(
                name=f"case {n}", passed=False, status="failed", detail="not run (compile step failed)"
            )
            for n in range(1, len(job.cases) + 1)
        ]
    return JobResult(status=status, tests=tests, message=message, compile=built, duration_s=built.duration_s)


def _run_result(job: RunJob, run: RunRecord) -> JobResult:
    status, message = run_status(run, job)
    return JobResult(
        status=status,
        duration_s=run["duration_s"],
        pass_fraction=1.0 if status == "passed" else 0.0,
        message=message,
        **_streams(run),
    )


def _tests_result(job: Job, run: RunRecord) -> JobResult:
    limit_status, message = run_status(run, job)
    harness: HarnessReport = run.get("harness") or {
        "loaded": False,
        "completed": False,
        "program_error": None,
        "fatal": "the executor sent no harness report",
        "asserts": [],
    }
    verdicts = []
    for entry in harness["asserts"]:
        held = harness["loaded"] and entry["executions"] > 0 and entry["failures"] == 0
        detail = entry["detail"] if entry["executions"] else "not run"
        verdicts.append(
            TestVerdict(
                name=f"assert {entry['index'] + 1} (line {entry['line']}): {entry['source']}",
                passed=held,
                status="passed" if held else "failed",
                detail=None if held else detail,
                executions=entry["executions"],
            )
        )
    if not verdicts:  # test code without asserts: one test, "it ran to the end"
        held = harness["completed"]
        detail = None if held else harness["fatal"] or "the test code did not run to the end"
        verdicts.append(
            TestVerdict(name="test code", passed=held, status="passed" if held else "failed", detail=detail)
        )
    passed = sum(v.passed for v in verdicts)
    status: Status
    if limit_status in ("timeout", "memory", "output_limit"):
        status = limit_status
    elif harness["program_error"] is not None or not harness["loaded"]:
        status, message = "error", harness["program_error"] or message or "the program did not load"
    elif harness["completed"] and passed == len(verdicts):
        status, message = "passed", None
    else:
        status = "failed"
        failing = next((v for v in verdicts if not v.passed), None)
        if harness["fatal"]:
            message = f"the tests stopped: {harness['fatal']}"
        elif not harness["completed"]:
            message = "the tests did not run to the end (the process exited or was killed)"
        elif failing is not None:
            message = f"{failing.name}: {failing.detail}"
    return JobResult(
        status=status,
        duration_s=run["duration_s"],
        tests=verdicts,
        pass_fraction=passed / len(verdicts),
        message=message,
        **_streams(run),
    )


def case_verdict(job: CasesJob, run: RunRecord, case: IOCase) -> tuple[Status, str | None]:
    status, detail = run_status(run, job)
    if status == "passed":
        detail = compare_output(run["stdout"], case.output) if not run["stdout_cut"] else "output cut"
        status = "passed" if detail is None else "failed"
    return status, detail


def case_passed(job: CasesJob, run: RunRecord, case: IOCase) -> bool:
    return case_verdict(job, run, case)[0] == "passed"


def _cases_result(job: CasesJob, runs: list[RunRecord]) -> JobResult:
    verdicts = []
    for number, case in enumerate(job.cases, start=1):
        if number > len(runs):
            verdicts.append(
                TestVerdict(name=f"case {number}", passed=False, status="failed", detail="not run")
            )
            continue
        status, detail = case_verdict(job, runs[number - 1], case)
        verdicts.append(
            TestVerdict(
                name=f"case {number}", passed=status == "passed", status=status, detail=detail, executions=1
            )
        )
    failing = next((v for v in verdicts if not v.passed), None)
    last = runs[-1]
    return JobResult(
        status="passed" if failing is None else failing.status,
        duration_s=round(sum(run["duration_s"] for run in runs), 6),
        tests=verdicts,
        pass_fraction=sum(v.passed for v in verdicts) / len(verdicts),
        message=None if failing is None else f"{failing.name}: {failing.detail}",
        **_streams(last),
    )
