"""Real vLLM servers for the tests: the QwQ-shaped tiny model served on 127.0.0.1, with and without parsers.

Both servers start together the first time a test asks for either (they load in parallel: ~1-2 min on two
cores) and stop at the end of the session. The reply each test wants is steered with a grammar (vLLM's
structured outputs), so the tiny model writes thinking, a closing tag and an answer deterministically.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.models.vllm_server import ServerSettings, VLLMServer

READY_WITHIN_S = 420
CONTEXT_WINDOW = 1024
"""The servers' and the in-process engine's max_model_len: small, so an overflow is cheap to provoke."""
ENGINE_MEMORY_FRACTION = 0.2
"""The in-process engine's `gpu_memory_utilization`: on vLLM's CPU build, the share of RAM it may reserve."""
SERVED_NAME = "qwq-shaped"
PARSERS = [
    "--reasoning-parser",
    "deepseek_r1",
    "--enable-auto-tool-choice",
    "--tool-call-parser",
    "hermes",
    # the grammar steers the thinking too (by default it starts only after `</think>`)
    "--structured-outputs-config",
    json.dumps({"enable_in_reasoning": True}),
]
REGEX_SPECIALS = set("\\.^$*+?{}[]()|")


def scripted(output: str) -> dict[str, Any]:
    """Request extras making the model write exactly `output` (a regex of the literal text)."""
    escaped = "".join(
        "\\n" if char == "\n" else f"\\{char}" if char in REGEX_SPECIALS else char for char in output
    )
    return {"structured_outputs": {"regex": escaped}}


def engine_env() -> dict[str, str]:
    """Offline, and a small KV cache: several engines share this machine."""
    return {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_CPU_KVCACHE_SPACE": "1"}


IN_PROCESS_ENGINE = {"VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_CPU_OMP_THREADS_BIND": "nobind"}
"""For an engine inside the test process: no engine and worker processes of its own (each spends 30-60 s
importing vLLM on two cores), and no pinning of the test process's threads to one core."""


@dataclass(frozen=True)
class VLLMServers:
    with_parsers: str
    """Base URL of the server with the reasoning and tool-call parsers (as QwQ is served)."""
    plain: str
    """Base URL of the server with no parser: replies come back as the raw text."""


def start_servers(model_dir: Path, logs: Path, stack: ExitStack) -> VLLMServers:
    """Start both servers at once (each stopped when `stack` closes); return when both answer."""
    started = time.monotonic()
    servers = []
    for name, extra in (("with-parsers", PARSERS), ("plain", [])):
        settings = ServerSettings(
            model_dir=model_dir, served_name=SERVED_NAME, max_model_len=CONTEXT_WINDOW, dtype="auto",
            kv_cache_gib=1, extra=tuple(extra),
        )  # fmt: skip
        server = VLLMServer(settings, logs / f"vllm-{name}.log", ready_within_s=READY_WITHIN_S)
        server.start()
        stack.callback(server.stop)
        servers.append(server)
    for server in servers:
        server.wait_until_ready(tail_lines=40)
    print(f"\nvLLM servers ready in {time.monotonic() - started:.1f} s")
    return VLLMServers(with_parsers=servers[0].url, plain=servers[1].url)
