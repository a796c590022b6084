"""The agent's graph with a scripted chat model and the real sandbox: every route and exit status."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from agent import prompts
from agent.config import AgentConfig
from agent.models.base import ModelReply, Sampling
from agent.restart_policy import Restart
from agent.scripted import ScriptedModel
from agent.seeds import derived_seed
from agent.solve import SolveResult, solve
from sandbox import Job, JobResult, SandboxPool
from tasks.infra_retry import InfraRetry
from tasks.spec import TaskSpec
from tests.support.toy_tasks import HIDDEN_MARKER
from tools.repeats import REPEATED

pytestmark = pytest.mark.docker

RIGHT = "Here it is:\n```python\ndef add(a, b):\n    return a + b\n```"
WRONG = "```python\ndef add(a, b):\n    return a - b\n```"


def run(
    task: TaskSpec, model: ScriptedModel, pool: SandboxPool, tmp_path: Path, **config: object
) -> SolveResult:
    return solve(task, model, pool, AgentConfig.model_validate(config), run_dir=tmp_path, run_id="t1")


def sent_text(model: ScriptedModel) -> str:
    return "\n".join(m.content for call in model.calls for m in call)


def test_plan_then_right_code_is_solved(add_task: TaskSpec, pool: SandboxPool, tmp_path: Path) -> None:
    model = ScriptedModel(["<think>sum is easy</think>I will return a + b.", RIGHT])
    result = run(add_task, model, pool, tmp_path)
    assert result.exit_status == "solved"
    assert result.public_passed
    assert result.code == "def add(a, b):\n    return a + b"
    assert result.steps == 2
    assert prompts.PLAN in model.calls[0][-1].content
    assert "assert add(1, 2) == 3" in model.calls[0][-1].content  # public tests shown
    assert HIDDEN_MARKER not in sent_text(model)  # hidden tests never
    assert all("sum is easy" not in m.content for m in model.calls[1])  # thinking stays out of the history


def test_failing_tests_lead_to_a_revision_with_the_verdict(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    model = ScriptedModel(["plan", WRONG, RIGHT])
    result = run(add_task, model, pool, tmp_path)
    assert result.exit_status == "solved"
    assert result.steps == 3
    feedback = model.calls[2][-1].content
    assert "tests: 0/2 passed" in feedback
    assert "assertion failed: -1 == 3" in feedback
    assert prompts.REVISE in feedback


def test_replies_without_code_get_a_correction_then_stop(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    model = ScriptedModel(["I think I should add them.", "The answer is a+b.", "Sure!"])
    result = run(add_task, model, pool, tmp_path, plan=False, max_format_errors=3)
    assert result.exit_status == "format_errors"
    assert result.steps == 3
    assert model.calls[1][-1].content.endswith(prompts.NO_ACTION)


def test_a_format_error_is_forgiven_when_code_follows(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    model = ScriptedModel(["no code here", RIGHT])
    assert run(add_task, model, pool, tmp_path, plan=False).exit_status == "solved"


def test_a_reply_cut_inside_thinking_is_reported_not_parsed(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    model = ScriptedModel(
        ["<think>```python\ndef add(a, b):\n    return 0\n```\nhmm, let me reconsider", RIGHT]
    )
    result = run(add_task, model, pool, tmp_path, plan=False)
    assert result.exit_status == "solved"
    assert model.calls[1][-1].content.endswith(prompts.THINKING_CUT)


def test_the_step_budget_ends_the_run(add_task: TaskSpec, pool: SandboxPool, tmp_path: Path) -> None:
    model = ScriptedModel(["plan", WRONG, WRONG, WRONG])
    result = run(add_task, model, pool, tmp_path, max_steps=3)
    assert result.exit_status == "budget_exhausted"
    assert result.steps == 3
    assert result.code is not None


def test_the_token_budget_ends_the_run(add_task: TaskSpec, pool: SandboxPool, tmp_path: Path) -> None:
    wordy = ModelReply(text=WRONG, completion_tokens=500)
    result = run(
        add_task, ScriptedModel([wordy, wordy, wordy]), pool, tmp_path, plan=False, max_total_tokens=900
    )
    assert result.exit_status == "budget_exhausted"
    assert result.tokens == 1000


def test_a_reply_may_use_what_the_token_budget_has_left(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    sampling = Sampling(max_tokens=600)
    model = ScriptedModel([ModelReply(text=WRONG, completion_tokens=n) for n in (500, 400)])
    config = dict(plan=False, max_total_tokens=900, sampling=sampling)
    result = run(add_task, model, pool, tmp_path, **config)
    assert [s.max_tokens for s in model.samplings] == [600, 400]  # the whole reply limit, then the rest
    assert result.tokens == 900 and result.exit_status == "budget_exhausted"


def test_each_call_of_a_seeded_solve_draws_with_its_own_seed(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    """One seed for every call made a revision draw the failing reply's random numbers again."""
    model = ScriptedModel(["plan", WRONG, RIGHT])
    result = run(add_task, model, pool, tmp_path, sampling=Sampling(seed=7))
    assert result.exit_status == "solved"
    seeds = [s.seed for s in model.samplings]
    assert seeds[0] == 7 and len(set(seeds)) == 3
    assert seeds == [derived_seed(7, step) for step in range(3)]


def test_code_that_already_failed_is_not_run_again(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    model = ScriptedModel([WRONG, WRONG, RIGHT])
    result = run(add_task, model, pool, tmp_path, plan=False)
    assert result.exit_status == "solved"
    events = json.loads(result.trajectory_path.read_text())["events"]
    tools = [e for e in events if e["type"] == "tool"]
    assert [e.get("repeated", False) for e in tools] == [False, True, False]
    assert tools[1]["content"] == tools[0]["content"] and tools[1]["result"] is None  # the earlier result
    told = model.calls[2][-1].content
    assert told.startswith(REPEATED) and tools[0]["content"] in told and prompts.REVISE in told


def test_after_a_repeat_the_agent_can_restart_from_the_task_alone(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    model = ScriptedModel([WRONG, WRONG, RIGHT])
    result = run(add_task, model, pool, tmp_path, plan=False, restart=Restart.ON_REPEAT)
    assert result.exit_status == "solved" and result.steps == 3
    opening = prompts.first_messages(add_task, instruction=prompts.WRITE)
    assert [m.as_chat() for m in model.calls[2]] == opening  # the failing attempts are out of view
    assert [m.as_chat() for m in model.calls[0]] == opening
    saved = json.loads(result.trajectory_path.read_text())
    assert [e["restart"] for e in saved["events"] if e["type"] == "model"] == [False, False, True]
    last_attempt = saved["messages"][saved["attempt_start"] :]
    assert [m["content"] for m in last_attempt[:2]] == [m["content"] for m in opening]
    replies = [m["content"] for m in last_attempt if m["role"] == "assistant"]
    assert replies == [RIGHT] and WRONG in [m["content"] for m in saved["messages"]]


def test_restarting_on_every_failure_samples_afresh_even_after_new_code(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    other_wrong = "```python\ndef add(a, b):\n    return a * b\n```"
    model = ScriptedModel([WRONG, other_wrong, RIGHT])
    result = run(add_task, model, pool, tmp_path, plan=False, restart=Restart.ON_FAILURE)
    assert result.exit_status == "solved" and result.steps == 3
    opening = prompts.first_messages(add_task, instruction=prompts.WRITE)
    assert all([m.as_chat() for m in call] == opening for call in model.calls)  # no feedback ever shown
    saved = json.loads(result.trajectory_path.read_text())
    assert [e["restart"] for e in saved["events"] if e["type"] == "model"] == [False, True, True]
    tools = [e for e in saved["events"] if e["type"] == "tool"]
    assert [e["tests_passed"] for e in tools] == [False, False, True]


def test_restarting_after_a_revision_gives_each_attempt_one_fix(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    other_wrong = "```python\ndef add(a, b):\n    return a * b\n```"
    model = ScriptedModel([WRONG, other_wrong, WRONG, RIGHT])
    result = run(add_task, model, pool, tmp_path, plan=False, restart=Restart.AFTER_REVISION)
    assert result.exit_status == "solved" and result.steps == 4
    saved = json.loads(result.trajectory_path.read_text())
    # first answer, its fix (new code, failing), a fresh start, that attempt's fix
    assert [e["restart"] for e in saved["events"] if e["type"] == "model"] == [False, False, True, False]
    opening = prompts.first_messages(add_task, instruction=prompts.WRITE)
    assert [m.as_chat() for m in model.calls[2]] == opening
    fix = model.calls[3]
    assert [m.content for m in fix if m.role == "assistant"] == [WRONG] and prompts.REVISE in fix[-1].content


def test_never_restarting_shows_every_failure_in_one_conversation(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    model = ScriptedModel([WRONG, WRONG, RIGHT])
    result = run(add_task, model, pool, tmp_path, plan=False, restart=Restart.NEVER)
    assert result.exit_status == "solved"
    assert [m.content for m in model.calls[2] if m.role == "assistant"] == [WRONG, WRONG]


def test_an_engine_fault_is_retried_and_never_taken_for_failed_code(
    add_task: TaskSpec, broken_pool: SandboxPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every run comes back `infra_error` (the image is missing): each is retried by the one policy, and the
    same code is run again later instead of being answered as code that already failed."""
    runs: list[int] = []
    real_run_many = broken_pool.run_many

    def counted(jobs: Iterable[Job]) -> list[JobResult]:
        results = real_run_many(jobs)
        runs.append(len(results))
        return results

    monkeypatch.setattr(broken_pool, "run_many", counted)  # a spy: the real pool runs every job
    result = run(add_task, ScriptedModel([WRONG, WRONG]), broken_pool, tmp_path, plan=False, max_steps=2)
    tools = [e for e in json.loads(result.trajectory_path.read_text())["events"] if e["type"] == "tool"]
    assert [(e["result"]["status"], e["repeated"]) for e in tools] == [("infra_error", False)] * 2
    assert len(runs) == 2 * 3  # InfraRetry()'s 3 attempts (its default, checked below), for both runs
    assert InfraRetry().max_attempts == 3


def test_a_failing_backend_is_a_model_error(add_task: TaskSpec, pool: SandboxPool, tmp_path: Path) -> None:
    result = run(add_task, ScriptedModel([]), pool, tmp_path)
    assert result.exit_status == "model_error"


def test_hermes_tool_calls_write_files_and_submit(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    helper = '<tool_call>{"name": "write_file", "arguments": {"path": "ops.py", "content": "def plus(a, b):\\n    return a + b\\n"}}</tool_call>'
    submit = '<tool_call>{"name": "submit", "arguments": {"code": "from ops import plus\\ndef add(a, b):\\n    return plus(a, b)\\n"}}</tool_call>'
    model = ScriptedModel([helper, submit])
    result = run(add_task, model, pool, tmp_path, plan=False, native_tools=True)
    assert result.exit_status == "solved"
    assert "from ops import plus" in (result.code or "")
    assert model.calls[1][-2].role == "tool"
    assert model.calls[1][-1].content == prompts.CONTINUE


def test_submitting_failing_code_gives_up(add_task: TaskSpec, pool: SandboxPool, tmp_path: Path) -> None:
    submit = (
        '<tool_call>{"name": "submit", "arguments": {"code": "def add(a, b):\\n    return 0\\n"}}</tool_call>'
    )
    result = run(add_task, ScriptedModel([submit]), pool, tmp_path, plan=False, native_tools=True)
    assert result.exit_status == "gave_up"
    assert not result.public_passed


def test_malformed_tool_calls_come_back_as_messages(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    bad = '<tool_call>{"name": "run_tests", "arguments": {"cod": "x"}}</tool_call>'
    model = ScriptedModel([bad, RIGHT])
    result = run(add_task, model, pool, tmp_path, plan=False, native_tools=True)
    assert result.exit_status == "solved"
    assert "bad arguments for run_tests: code: Field required" in model.calls[1][-2].content


def test_the_trajectory_is_saved_with_thinking_and_versions(
    add_task: TaskSpec, pool: SandboxPool, tmp_path: Path
) -> None:
    import json

    result = run(add_task, ScriptedModel(["<think>hmm</think>plan", RIGHT]), pool, tmp_path)
    saved = json.loads(result.trajectory_path.read_text())
    assert saved["version"] == 1
    assert saved["exit_status"] == "solved"
    assert saved["versions"]["langgraph"]
    assert saved["config"]["max_steps"] == 8
    kinds = [e["type"] for e in saved["events"]]
    assert kinds == ["model", "model", "tool", "review", "finish"]
    assert saved["events"][0]["reasoning"] == "hmm"
    assert saved["events"][2]["result"]["status"] == "passed"
    assert HIDDEN_MARKER not in result.trajectory_path.read_text()
