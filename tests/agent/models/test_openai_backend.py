"""The OpenAI-compatible backend against a real `transformers serve` of the embedded model."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.messages import Message
from agent.models.base import Sampling
from agent.models.child_server import free_port, stop_process_group, wait_until_answers
from agent.models.config import ModelConfig
from agent.models.errors import ModelError
from agent.models.openai_backend import OpenAIModel
from tasks.infra_retry import InfraRetry

READY_WITHIN_S = 120


def serve_command(cli: Path, model_dir: Path, port: int) -> list[str]:
    return [
        str(cli),
        "serve",
        str(model_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--device",
        "cpu",
        "--dtype",
        "float32",
    ]


@pytest.fixture(scope="module")
def server(embedded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`transformers serve` of the embedded model's cached copy, offline, on a free local port."""
    cli = Path(sys.executable).with_name("transformers")
    if not cli.exists() or not all(importlib.util.find_spec(m) for m in ("fastapi", "uvicorn")):
        pytest.fail("transformers serve is not installed: pip install 'transformers[serving]'")
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    # transformers >= 5.19 lists models by scanning the hub cache, and fails when that directory is missing
    hub_cache = tmp_path_factory.mktemp("hub-cache")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(hub_cache)}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            serve_command(cli, embedded_dir, port),
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own group: the stop reaches any worker it starts
        )
    try:
        wait_until_answers(
            url,
            process,
            log,
            "transformers serve",
            time.monotonic(),
            READY_WITHIN_S,
            poll_s=0.5,
            tail_lines=40,
        )
        yield url
    finally:
        stop_process_group(process)


@pytest.mark.slow
def test_streamed_chat_with_usage(server: str) -> None:
    model = OpenAIModel(ModelConfig(backend="openai", base_url=server))
    reply = model.chat(
        [Message(role="user", content="Say hello in one short sentence.")],
        sampling=Sampling(max_tokens=16, seed=0),
    )
    assert reply.text.strip()
    assert reply.prompt_tokens > 0
    assert 0 < reply.completion_tokens <= 16
    assert reply.finish_reason in {"stop", "length"}
    assert reply.latency_s > 0
    assert reply.tool_calls == []


@pytest.mark.slow
def test_served_name_can_be_the_directory(server: str, embedded_dir: Path) -> None:
    model = OpenAIModel(ModelConfig(backend="openai", model=str(embedded_dir), base_url=server))
    reply = model.chat([Message(role="user", content="Hi!")], sampling=Sampling(max_tokens=4, seed=1))
    assert reply.completion_tokens > 0
    assert model.name == str(embedded_dir)


def test_unreachable_endpoint_is_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    quick = InfraRetry(max_attempts=2, backoff_s=0.01, backoff_max_s=0.01)
    model = OpenAIModel(ModelConfig(backend="openai", model="qwq-32b", base_url=url), retry=quick)
    with pytest.raises(ModelError) as raised:
        model.chat([Message(role="user", content="hi")], sampling=Sampling(max_tokens=4))
    assert (
        str(raised.value) == f"no OpenAI-compatible server answers at {url} (2 attempts): connection refused"
    )
