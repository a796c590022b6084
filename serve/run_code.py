"""`/run_code`: a SandboxFusion request as a sandbox job, and the job's result as SandboxFusion's answer.

Status rules (SandboxFusion's `parse_run_status`): a run that timed out or exited non-zero is `Failed`, one
that exited 0 is `Success`. A program killed by a signal (memory, output flood, its own kill) shows the
negative signal number as its return code, as a subprocess does there. The sandbox's own faults are never
a verdict: they raise `SandboxUnavailable` (HTTP 503) instead of answering `SandboxError`.
"""

from __future__ import annotations

import base64
import binascii
import re
import socket

from fastapi import HTTPException
from pydantic import ValidationError

from sandbox import JobResult, Limits, RunJob
from sandbox.models import CompileResult
from serve.config import ServeConfig
from serve.protocol import CommandRunResult, CommandRunStatus, RunCodeRequest, RunCodeResponse, RunStatus

SIGKILL = 9
_SIGNAL = re.compile(r"killed by signal (\d+)")
POD_NAME = socket.gethostname()


class SandboxUnavailable(Exception):
    """The sandbox could not run the job (engine, image, container start): the client should retry."""


def bad_request(detail: str) -> HTTPException:
    return HTTPException(status_code=400, detail=detail)


def _files(files: dict[str, str | None]) -> dict[str, bytes]:
    """The request's files as bytes, exactly as sent (text or not)."""
    placed: dict[str, bytes] = {}
    for name, content in files.items():
        if content is None or "IGNORE_THIS_FILE" in name:  # SandboxFusion skips these too
            continue
        try:
            placed[name] = base64.b64decode(content, validate=True)
        except binascii.Error:
            raise bad_request(f"files[{name!r}]: not valid base64") from None
    return placed


def language_not_served(language: str, config: ServeConfig) -> HTTPException:
    """A language this server's image lacks: refused as SandboxFusion refuses one it does not know (422, in
    pydantic's shape), saying how to serve it."""
    served = ", ".join(repr(name) for name in config.pool.languages)
    error = {
        "type": "literal_error",
        "loc": ["body", "language"],
        "msg": f"Input should be {served} (start sandloop serve with --languages {language} to serve it)",
        "input": language,
    }
    return HTTPException(status_code=422, detail=[error])


MEMORY_CLASSES_MB = (128, 256, 512, 1024, 2048, 4096)
"""A request's `memory_limit_MB` is rounded up to one of these: one pool of warm containers per class
(a container's cgroup limit holds for the JVM, Go and Node, where an address-space rlimit breaks them)."""


def memory_class(request: RunCodeRequest) -> int | None:
    """The memory (MB) of the containers the request runs in; None (<= 0 asked): the server's default."""
    asked = request.memory_limit_MB
    if asked <= 0:
        return None
    for size in MEMORY_CLASSES_MB:
        if asked <= size:
            return size
    raise bad_request(f"memory_limit_MB: {asked} is above the largest served, {MEMORY_CLASSES_MB[-1]}")


def run_job(request: RunCodeRequest, config: ServeConfig, run_timeout: float | None = None) -> RunJob:
    """The sandbox job for one request; a request the sandbox cannot honour is a 400 naming the field."""
    timeout = request.run_timeout if run_timeout is None else run_timeout
    if not 0 < timeout <= config.max_run_timeout_s:
        raise bad_request(f"run_timeout: {timeout:g} s is outside (0, {config.max_run_timeout_s:g}] s")
    if not 0 < request.compile_timeout <= config.max_run_timeout_s:
        limit = config.max_run_timeout_s
        raise bad_request(f"compile_timeout: {request.compile_timeout:g} s is outside (0, {limit:g}] s")
    if request.language not in config.pool.languages:
        raise language_not_served(request.language, config)
    try:
        return RunJob(
            source=request.code,
            language=request.language,
            stdin=request.stdin or "",
            binary_files=_files(request.files),
            fetch_files=request.fetch_files,
            limits=Limits(
                timeout_s=timeout,
                compile_timeout_s=request.compile_timeout,
                output_limit_bytes=config.max_output_bytes,
            ),
        )
    except ValidationError as error:
        first = error.errors()[0]
        raise bad_request(f"{'.'.join(map(str, first['loc'])) or 'request'}: {first['msg']}") from None


def _killed_by(result: JobResult) -> int:
    found = _SIGNAL.search(result.message or "")
    return int(found.group(1)) if found else SIGKILL


def command_result(result: JobResult) -> CommandRunResult:
    """How SandboxFusion would report the run of this result."""
    if result.status == "infra_error":
        raise SandboxUnavailable(result.message or "sandbox infrastructure error")
    if result.status == "timeout":
        status, code = CommandRunStatus.TimeLimitExceeded, None
    else:
        status = CommandRunStatus.Finished
        code = result.exit_code if result.exit_code is not None else -_killed_by(result)
    stderr = result.stderr
    if result.status != "passed" and result.message and result.message not in stderr:
        # Say why the sandbox stopped it (memory, time, output) where a person reading stderr will look.
        separator = "\n" if stderr and not stderr.endswith("\n") else ""
        stderr = f"{stderr}{separator}[sandloop: {result.message}]\n"
    return CommandRunResult(
        status=status,
        execution_time=result.duration_s,
        return_code=code,
        stdout=result.stdout,
        stderr=stderr,
    )


def compile_command_result(built: CompileResult) -> CommandRunResult:
    """How SandboxFusion reports a compile step: `Finished` with the compiler's exit code, or a timeout."""
    if built.status == "timeout":
        status, code = CommandRunStatus.TimeLimitExceeded, None
    else:
        status = CommandRunStatus.Finished
        code = built.exit_code if built.exit_code is not None else -SIGKILL
    return CommandRunResult(
        status=status,
        execution_time=built.duration_s,
        return_code=code,
        stdout=built.stdout,
        stderr=built.stderr,
    )


def _failed(result: CommandRunResult) -> bool:
    return result.status == CommandRunStatus.TimeLimitExceeded or result.return_code != 0


def run_code_response(result: JobResult) -> RunCodeResponse:
    """A failed compile step leaves `run_result` null (the run never happened), as in SandboxFusion."""
    if result.status == "infra_error":
        raise SandboxUnavailable(result.message or "sandbox infrastructure error")
    built = None if result.compile is None else compile_command_result(result.compile)
    run = None if built is not None and _failed(built) else command_result(result)
    failed = any(_failed(step) for step in (built, run) if step is not None)
    return RunCodeResponse(
        status=RunStatus.Failed if failed else RunStatus.Success,
        message="",
        compile_result=built,
        run_result=run,
        executor_pod_name=POD_NAME,
        files={name: content for name, content in result.files.items() if content is not None},
    )
