"""Every conversation about a task opens the same way: the agent, single-shot runs, rollouts exports, GRPO
rows and held-out prompts all start from `prompts.first_messages` (no sandbox: nothing runs)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from agent import nodes, prompts
from agent.config import AgentConfig
from agent.scripted import ScriptedModel
from batch.config import RunConfig
from batch.sample import single_shot_answer
from rl.grpo_data import grpo_rows
from rl.prompt_export import export_prompts
from tests.support.toy_tasks import make_add_task


def test_all_paths_open_with_the_same_messages(tmp_path: Path) -> None:
    task = make_add_task()
    opening = prompts.first_messages(task)
    assert [m["role"] for m in opening] == ["system", "user"]
    assert opening[1]["content"] == prompts.problem_statement(task)

    model = ScriptedModel(["```python\ndef add(a, b):\n    return a + b\n```"])
    single_shot_answer(model, task, RunConfig(suite="toy", backend="scripted", mode="single-shot").agent)
    assert [m.as_chat() for m in model.calls[0]] == opening

    assert grpo_rows([task])[0]["prompt"] == opening

    export_prompts([task], tmp_path / "out", heldout_percent=0)
    row = json.loads((tmp_path / "out" / "trl" / "train.jsonl").read_text())
    assert row["prompt"] == opening

    context = SimpleNamespace(handle=SimpleNamespace(task=task), config=AgentConfig())
    send, _ = nodes._conversation({}, context, prompts.PLAN)  # type: ignore[arg-type]
    assert send[0] == opening[0]
    assert send[1]["content"] == f"{opening[1]['content']}\n\n{prompts.PLAN}"
    tools = SimpleNamespace(handle=SimpleNamespace(task=task), config=AgentConfig(native_tools=True))
    send, _ = nodes._conversation({}, tools, prompts.PLAN)  # type: ignore[arg-type]
    assert send[0]["content"] == prompts.SYSTEM_WITH_TOOLS


def test_without_a_system_prompt_every_path_puts_the_instructions_in_the_user_message() -> None:
    """DeepSeek-R1's card: no system prompt. The agent, single-shot runs and GRPO rows all follow the preset."""
    from agent.models.presets import PRESETS

    task = make_add_task()
    opening = prompts.first_messages(task, system_prompt=False)
    assert [m["role"] for m in opening] == ["user"]
    assert opening[0]["content"] == f"{prompts.SYSTEM}\n\n{prompts.problem_statement(task)}"

    config = AgentConfig.from_preset(PRESETS["deepseek-r1-distill"], max_steps=2, max_total_tokens=None)
    assert not config.system_prompt and not config.plan
    model = ScriptedModel(["```python\ndef add(a, b):\n    return a + b\n```"])
    run = RunConfig(suite="toy", backend="scripted", mode="single-shot", agent=config)
    single_shot_answer(model, task, run.agent)
    assert [m.as_chat() for m in model.calls[0]] == opening

    context = SimpleNamespace(handle=SimpleNamespace(task=task), config=config)
    send, _ = nodes._conversation({}, context, prompts.WRITE)  # type: ignore[arg-type]
    assert [m["role"] for m in send] == ["user"]
    assert send[0]["content"] == f"{opening[0]['content']}\n\n{prompts.WRITE}"
    assert grpo_rows([task], system_prompt=False)[0]["prompt"] == opening
