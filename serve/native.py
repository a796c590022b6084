"""`POST /sandloop/v1/run`, sandloop's own endpoint for its remote clients (sandbox/remote.py): the job as the
client made it, checked against this server's bounds; the answer is the pool's JobResult, unchanged."""

from __future__ import annotations

from fastapi import HTTPException
from pydantic import ValidationError

from sandbox.remote import RemoteRunRequest
from serve.config import ServeConfig
from serve.runner import JobRunner


def native_request(body: bytes, config: ServeConfig, runner: JobRunner) -> RemoteRunRequest:
    """The request, parsed as JSON (binary files are base64 there); 422 when malformed, 400 past a bound."""
    try:
        request = RemoteRunRequest.model_validate_json(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"])) or "request"
        raise HTTPException(status_code=422, detail=f"{where}: {first['msg']}") from None
    limits = request.job.limits
    longest = max(limits.timeout_s, limits.compile_timeout_s)
    if longest > config.max_run_timeout_s:
        raise HTTPException(
            status_code=400,
            detail=f"job.limits: {longest:g} s is above this server's largest, {config.max_run_timeout_s:g} s",
        )
    if not runner.takes_memory(request.memory_mb):
        raise HTTPException(
            status_code=400, detail=f"memory_mb: no pool left for another limit ({request.memory_mb})"
        )
    return request
