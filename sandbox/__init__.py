"""sandloop's Docker sandbox: warm, locked-down containers that run untrusted code and grade it.

It knows nothing of models or tasks: jobs in (`RunJob`, `TestJob`, `CasesJob`), `JobResult`s out.
"""

from sandbox.backend import Sandbox, open_sandbox
from sandbox.config import PoolConfig
from sandbox.errors import (
    ContainerLost,
    ContainerStartFailed,
    EngineUnavailable,
    ImageBuildFailed,
    ImageMissing,
    SandboxError,
)
from sandbox.models import CasesJob, IOCase, Job, JobResult, Limits, RunJob, Status, TestJob, TestVerdict
from sandbox.pool import SandboxPool

__all__ = [
    "CasesJob",
    "ContainerLost",
    "ContainerStartFailed",
    "EngineUnavailable",
    "IOCase",
    "ImageBuildFailed",
    "ImageMissing",
    "Job",
    "JobResult",
    "Limits",
    "PoolConfig",
    "RunJob",
    "Sandbox",
    "SandboxError",
    "SandboxPool",
    "Status",
    "TestJob",
    "TestVerdict",
    "open_sandbox",
]
