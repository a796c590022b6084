"""Conversations longer than a real vLLM server's window (the session's QwQ-shaped servers, max_model_len
1024) keep going: the history is fitted by the server's own token counts, and a refusal is shortened and
sent once more."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.history import STUB_OBSERVATION, chat_within_window
from agent.messages import Message
from agent.models.base import Sampling
from agent.models.config import ModelConfig
from agent.models.openai_backend import OpenAIModel
from agent.solve import solve
from sandbox import SandboxPool
from tasks.spec import TaskSpec
from tests.agent.models.vllm_fixtures import CONTEXT_WINDOW, SERVED_NAME, VLLMServers, scripted

pytestmark = pytest.mark.slow

WRONG = "```python\ndef add(a, b):\n    return a - b\n```"
SAMPLING = Sampling(temperature=0.6, top_p=0.95, top_k=40, max_tokens=96, seed=0)


def served(url: str, output: str) -> OpenAIModel:
    model = OpenAIModel(
        ModelConfig(backend="openai", model=SERVED_NAME, base_url=url, request_extras=scripted(output))
    )
    model.probe()
    return model


class Uncounting(OpenAIModel):
    """As if the server had no `/tokenize`: the history is fitted by the estimate alone."""

    def count_prompt_tokens(self, messages: list[Message], *, tools: object = None) -> int | None:
        return None


@pytest.mark.docker
def test_a_solve_longer_than_the_window_runs_to_its_step_budget(
    vllm_servers: VLLMServers, add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    model = served(vllm_servers.with_parsers, f"Subtract.</think>\n\n{WRONG}")
    assert model.context_window == CONTEXT_WINDOW  # from the server's /v1/models
    steps = 10
    config = AgentConfig(max_steps=steps, plan=False, sampling=SAMPLING)
    result = solve(add_task, model, pool, config, run_dir=tmp_path, run_id="long")
    assert result.exit_status == "budget_exhausted"
    assert result.steps == steps
    trajectory = json.loads(result.trajectory_path.read_text())
    calls = [e for e in trajectory["events"] if e["type"] == "model"]
    assert len(calls) == steps
    for call in calls:  # the server's own count of what was sent, and the reply's cap, within the window
        assert call["prompt_tokens"] + call["context"]["max_tokens"] <= CONTEXT_WINDOW
        assert call["text"] == WRONG
    counted = sum(len(json.dumps(m)) for m in trajectory["messages"]) // 4
    assert counted > CONTEXT_WINDOW  # the whole history, kept in the trajectory, is past the window
    assert calls[-1]["context"]["shortened"] > 0
    assert STUB_OBSERVATION not in json.dumps(trajectory["messages"])


def test_a_refused_history_is_shortened_and_sent_again(vllm_servers: VLLMServers) -> None:
    """Digits take a token each: the byte estimate under-counts, the server refuses, the retry fits."""
    url = vllm_servers.with_parsers
    model = Uncounting(
        ModelConfig(
            backend="openai",
            model=SERVED_NAME,
            base_url=url,
            request_extras=scripted(f"ok</think>\n\n{WRONG}"),
        )
    )
    model.probe()
    digits = " ".join("0123456789" * 6 for _ in range(5))  # ~1370 tokens in all; estimated ~820
    messages = [
        Message(role="system", content="You write Python."),
        Message(role="user", content="Write add."),
    ]
    for turn in range(4):
        messages += [
            Message(role="assistant", content=WRONG),
            Message(role="user", content=f"Run {turn} printed: {digits}"),
        ]
    reply, fitted = chat_within_window(model, messages, tools=None, sampling=SAMPLING)
    assert reply.text == WRONG
    assert fitted.shortened > 0
    assert reply.prompt_tokens + fitted.max_tokens <= CONTEXT_WINDOW
