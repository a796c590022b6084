"""A solve whose history grows past the model's context window keeps going (scripted model, real sandbox):
what is sent is fitted, the state and the trajectory keep everything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.history import STUB_OBSERVATION
from agent.messages import Message
from agent.models.base import Sampling
from agent.scripted import ScriptedModel
from agent.solve import solve
from sandbox import SandboxPool
from tasks.spec import TaskSpec
from tools.repeats import RAN, REPEATED

pytestmark = pytest.mark.docker

WRONG = "```python\ndef add(a, b):\n    return a - b\n```"
WINDOW = 360
"""Words (the scripted model's tokens): the first turns fit, a dozen do not."""
REPLY = 64


def words(messages: list[Message]) -> int:
    return sum(len(m.content.split()) for m in messages)


def test_history_past_the_window_never_ends_the_run(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    steps = 12
    model = ScriptedModel(["I will subtract. " * 20, *[WRONG] * (steps - 1)], context_window=WINDOW)
    config = AgentConfig(max_steps=steps, sampling=Sampling(max_tokens=REPLY))
    result = solve(add_task, model, pool, config, run_dir=tmp_path, run_id="long")
    assert result.exit_status == "budget_exhausted"  # out of steps, not out of context
    assert result.steps == steps
    # every request fitted: the scripted model refuses any that does not (ContextOverflowError)
    for sent, sampling in zip(model.calls, model.samplings, strict=True):
        assert words(sent) + sampling.max_tokens <= WINDOW
        assert sampling.max_tokens >= min(REPLY, WINDOW // 2)
    last = model.calls[-1]
    assert any(m.content == STUB_OBSERVATION for m in last)  # older results were stubbed
    assert last[-2].content == WRONG and "tests: 0/2 passed" in last[-1].content  # latest code and feedback
    assert "Write a function add(a, b)" in last[1].content  # the problem
    trajectory = json.loads(result.trajectory_path.read_text())
    kept = [m["content"] for m in trajectory["messages"]]
    assert sum(text.startswith((RAN, REPEATED)) for text in kept) == steps - 1  # every result (repeats too)
    assert STUB_OBSERVATION not in kept  # the trajectory has the whole conversation, never the stubs
    fits = [e["context"] for e in trajectory["events"] if e["type"] == "model"]
    assert fits[0]["shortened"] == 0 and fits[-1]["shortened"] > 0
    assert all(fit["window"] == WINDOW for fit in fits)
