"""A vLLM OpenAI server of a local model as a child process: the command line, the wait until it answers, the stop.

What the agent's `openai` backend talks to when the model is served apart (`--base-url`). The CPU build's `vllm`
console script fails on its distribution name, so the server is run as its module. The server and its engine
process share one process group, so a stop never leaves the engine behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel, ConfigDict

from agent.models.child_server import free_port, stop_process_group, wait_until_answers
from agent.models.vllm_backend import cpu_build_env, on_cpu_build

HERMES_TOOLS = ["--enable-auto-tool-choice", "--tool-call-parser", "hermes"]
"""Server-side tool calls of the Qwen2.5 family: its chat template writes Hermes `<tool_call>` JSON."""


class ServerSettings(BaseModel):
    """One server: what it serves, under which name, and its engine settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_dir: Path
    served_name: str
    max_model_len: int = 4096
    dtype: str = "bfloat16"
    kv_cache_gib: int = 2
    """`VLLM_CPU_KVCACHE_SPACE`: the CPU build otherwise reserves most of the RAM."""
    extra: tuple[str, ...] = ()
    """More server flags (a tool-call parser, a reasoning parser)."""


def server_command(settings: ServerSettings, port: int) -> list[str]:
    # the CPU build kills its engine when a seeded request's prompt is split over steps (VLLMEngine's note)
    no_chunks = ["--no-enable-chunked-prefill"] if on_cpu_build() else []
    return [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        str(settings.model_dir),
        "--served-model-name",
        settings.served_name,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--max-model-len",
        str(settings.max_model_len),
        "--dtype",
        settings.dtype,
        "--enforce-eager",
        *no_chunks,
        *settings.extra,
    ]


class VLLMServer:
    """`with VLLMServer(settings, log) as server:` a server answering at `server.url` (`.../v1`). Or `start()`
    several, then `wait_until_ready()` each: they load side by side."""

    def __init__(self, settings: ServerSettings, log: Path, ready_within_s: float = 420.0) -> None:
        self.settings = settings
        self.log = log
        self.ready_within_s = ready_within_s
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._process: subprocess.Popen[bytes] | None = None
        self._started = 0.0

    def start(self) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", **cpu_build_env(self.settings.kv_cache_gib)}
        self._started = time.monotonic()
        with self.log.open("wb") as sink:
            self._process = subprocess.Popen(
                server_command(self.settings, self.port),
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # one process group: stop() ends the engine with the server
            )

    def wait_until_ready(self, tail_lines: int = 1) -> None:
        """Return once the started server answers; stop it and raise a ModelError if it exits or does not
        answer within `ready_within_s` of its start."""
        assert self._process is not None, "start() the server first"
        try:
            wait_until_answers(
                self.url, self._process, self.log, "the vLLM server", self._started, self.ready_within_s,
                tail_lines=tail_lines,
            )  # fmt: skip
        except BaseException:
            self.stop()
            raise

    def __enter__(self) -> VLLMServer:
        self.start()
        self.wait_until_ready()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            stop_process_group(process)
