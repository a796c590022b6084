"""The graph's nodes: plan, write, execute, review, revise, finish. Each returns a state update."""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from agent import prompts
from agent.actions import actions_from
from agent.budget import Spent, reply_limit
from agent.budget import exhausted as budget_exhausted
from agent.context import AgentContext
from agent.history import chat_within_window
from agent.messages import Message
from agent.models.base import Sampling
from agent.restart_policy import Restart
from agent.seeds import derived_seed
from agent.state import AgentState, ExitStatus
from tools import ToolOutcome, call_tool, tool_schemas
from tools.repeats import run_key, test_report


def spent(state: AgentState) -> Spent:
    return Spent(state.get("steps", 0), state.get("tokens", 0), state.get("seconds", 0.0))


def exhausted(state: AgentState, context: AgentContext) -> bool:
    return budget_exhausted(spent(state), context.config.budget)


def reply_sampling(state: AgentState, context: AgentContext) -> Sampling:
    """The next call's sampling: one reply's limit, cut to what the solve's token budget has left, so a solve
    never generates more than `max_total_tokens` (a first reply may use the whole budget, a revision the rest);
    its seed the call's own (`agent.seeds`)."""
    sampling = context.config.sampling
    steps = state.get("steps", 0)
    update: dict[str, Any] = {}
    if steps and sampling.seed is not None:
        update["seed"] = derived_seed(sampling.seed, steps)
    limit = reply_limit(spent(state), context.config.budget, sampling.max_tokens)
    if limit != sampling.max_tokens:
        update["max_tokens"] = limit
    return sampling.model_copy(update=update) if update else sampling


def _merge_user_turns(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive user messages as one (test feedback then the next prompt): many chat templates require
    alternating turns."""
    merged: list[dict[str, Any]] = []
    for message in messages:
        if merged and message["role"] == "user" and merged[-1]["role"] == "user":
            merged[-1] = {**merged[-1], "content": f"{merged[-1]['content']}\n\n{message['content']}"}
        else:
            merged.append(message)
    return merged


def _conversation(
    state: AgentState, context: AgentContext, prompt: str, restart: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The messages to send (the current attempt's: a restart opens a new one), and the ones this turn adds to
    the state."""
    history = [] if restart else state.get("messages", [])[state.get("attempt_start", 0) :]
    if history:
        added = [{"role": "user", "content": prompt}]
    else:
        task, native_tools = context.handle.task, context.config.native_tools
        added = list(
            prompts.first_messages(
                task,
                native_tools=native_tools,
                instruction=prompt,
                system_prompt=context.config.system_prompt,
            )
        )
    return _merge_user_turns(history + added), added


def _ask(
    state: AgentState, context: AgentContext, node: str, prompt: str, expect_action: bool
) -> dict[str, Any]:
    """One model call: the reply joins the conversation, its thinking and cost the trajectory. What is sent is
    fitted to the model's context window (agent.history); the state keeps the whole conversation."""
    if exhausted(state, context):
        return {"stop": "budget_exhausted"}
    if expect_action and state.get("format_errors", 0):
        last_cut = any(e.get("thinking_cut") for e in state.get("events", [])[-1:])
        prompt = prompts.THINKING_CUT if last_cut else prompts.NO_ACTION
    restart = restarting(state, context)
    send, added = _conversation(state, context, prompt, restart)
    started = time.monotonic()
    try:
        reply, fitted = chat_within_window(
            context.model,
            [Message.model_validate(m) for m in send],
            tools=tool_schemas() if context.config.native_tools else None,
            sampling=reply_sampling(state, context),
        )
    except Exception as error:  # any backend failure ends the run as model_error, with the reason kept
        return {
            "stop": "model_error",
            "model_error": f"{type(error).__name__}: {error}",
            "seconds": state.get("seconds", 0.0) + time.monotonic() - started,
            "events": [{"type": "model_error", "node": node, "error": f"{type(error).__name__}: {error}"}],
        }
    assistant = Message(role="assistant", content=reply.text, tool_calls=reply.tool_calls).model_dump(
        exclude_defaults=True
    )
    actions = actions_from(reply, context.handle.task.entry_point) if expect_action else []
    event = {
        "type": "model",
        "node": node,
        "prompt": prompt,
        "text": reply.text,
        "reasoning": reply.reasoning,
        "tool_calls": [c.model_dump() for c in reply.tool_calls],
        "text_tool_calls": reply.text_tool_calls,
        "malformed_tool_calls": reply.malformed_tool_calls,
        "thinking_cut": reply.thinking_cut,
        "restart": restart,
        "finish_reason": reply.finish_reason,
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "latency_s": round(reply.latency_s, 4),
        "actions": [a["name"] for a in actions],
        "context": fitted.summary(),
    }
    update: dict[str, Any] = {
        "messages": [*added, assistant],
        "events": [event],
        **({"attempt_start": len(state.get("messages", []))} if restart else {}),
        "pending": actions,
        "steps": state.get("steps", 0) + 1,
        "tokens": state.get("tokens", 0) + reply.completion_tokens,
        "seconds": state.get("seconds", 0.0) + time.monotonic() - started,
    }
    if expect_action:
        errors = 0 if actions else state.get("format_errors", 0) + 1
        update["format_errors"] = errors
        if errors >= context.config.max_format_errors:
            update["stop"] = "format_errors"
    return update


def restarting(state: AgentState, context: AgentContext) -> bool:
    """Does the next call open the task afresh: the last test run failed and the config's `Restart` policy says
    to start again then (after every failure, after a failed revision, or after a revision repeating code that
    already failed)."""
    policy = context.config.restart
    if policy is Restart.ON_REPEAT:
        return any(e["type"] == "tool" and e.get("repeated") for e in _since_last_model_call(state))
    if policy is Restart.ON_FAILURE:
        return _tests_failed(state)
    if policy is Restart.AFTER_REVISION:
        calls = [e for e in state.get("events", []) if e["type"] == "model"]
        # events of checkpoints written before restarts existed have no "restart" key
        revised = bool(calls) and calls[-1]["node"] == "revise" and not calls[-1].get("restart")
        return revised and _tests_failed(state)
    return False


def _tests_failed(state: AgentState) -> bool:
    """Did a test run since the last model call fail."""
    return any(e["type"] == "tool" and e.get("tests_passed") is False for e in _since_last_model_call(state))


def plan(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    if not runtime.context.config.plan:
        return {}
    return _ask(state, runtime.context, "plan", prompts.PLAN, expect_action=False)


def write(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    return _ask(state, runtime.context, "write", prompts.WRITE, expect_action=True)


def revise(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    if restarting(
        state, runtime.context
    ):  # the task afresh: the conversation that led to the repeat is out of view
        return _ask(state, runtime.context, "revise", prompts.WRITE, expect_action=True)
    prompt = prompts.REVISE if _tests_failed(state) else prompts.CONTINUE
    return _ask(state, runtime.context, "revise", prompt, expect_action=True)


def _since_last_model_call(state: AgentState) -> list[dict[str, Any]]:
    events = state.get("events", [])
    starts = [i for i, event in enumerate(events) if event["type"] == "model"]
    return events[starts[-1] + 1 :] if starts else events


def _repeat_key(action: dict[str, Any], files: dict[str, str]) -> str | None:
    """The run a run_tests call would make (tools.repeats.run_key); None for other tools and bad arguments."""
    arguments = action["arguments"]
    if action["name"] != "run_tests" or not isinstance(arguments.get("code"), str):
        return None
    tests = arguments.get("tests")
    return run_key(arguments["code"], tests if isinstance(tests, str) else None, files)


def execute(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Run the pending tool calls in the sandbox; results go back to the model as messages. A test run of code
    that already failed is not run again (tools.repeats): the model gets the earlier result."""
    started = time.monotonic()
    files = dict(state.get("files", {}))
    failed = dict(state.get("failed_runs", {}))
    update: dict[str, Any] = {"messages": [], "events": [], "pending": []}
    feedback: list[str] = []
    for action in state.get("pending", []):
        key = _repeat_key(action, files)
        earlier = failed.get(key) if key is not None else None
        repeated = earlier is not None
        if earlier is not None:  # the earlier result, as the run would give it again
            code = action["arguments"]["code"]
            outcome = ToolOutcome(
                name="run_tests", content=earlier, code=code, tests_passed=False, files=files
            )
        else:
            outcome = call_tool(runtime.context.handle, files, action["name"], action["arguments"])
            # an engine fault (infra_error after the retries) says nothing about the code: not remembered
            engine_fault = outcome.result is not None and outcome.result.status == "infra_error"
            if key is not None and outcome.tests_passed is False and not engine_fault:
                failed[key] = outcome.content
        files = outcome.files
        if outcome.code is not None:
            update["code"] = outcome.code
        if outcome.tests_passed is not None:
            update["tests_passed"] = outcome.tests_passed
        if outcome.submitted:
            update["submitted"] = True
        update["events"].append(
            {
                "type": "tool",
                "name": outcome.name,
                "arguments": action["arguments"],
                "ok": outcome.ok,
                "content": outcome.content,
                "tests_passed": outcome.tests_passed,
                "repeated": repeated,
                "checks_run": outcome.result.checks_run if outcome.result else None,
                "result": outcome.result.model_dump() if outcome.result else None,
            }
        )
        if action["native"]:
            content = test_report(outcome.content, repeated=True) if repeated else outcome.content
            update["messages"].append(
                {"role": "tool", "tool_call_id": action["id"], "name": outcome.name, "content": content}
            )
        else:
            feedback.append(test_report(outcome.content, repeated=repeated))
    if feedback:
        update["messages"].append({"role": "user", "content": "\n\n".join(feedback)})
    update["files"] = files
    update["failed_runs"] = failed
    update["seconds"] = state.get("seconds", 0.0) + time.monotonic() - started
    return update


def review(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Read the results: solved, handed in failing, out of budget, or on to a revision."""
    stop: ExitStatus | None = None
    if state.get("tests_passed"):
        stop = "solved"
    elif state.get("submitted"):
        stop = "gave_up"
    elif exhausted(state, runtime.context):
        stop = "budget_exhausted"
    event = {"type": "review", "tests_passed": bool(state.get("tests_passed")), "decision": stop or "revise"}
    return {"stop": stop, "events": [event]} if stop else {"events": [event]}


def finish(state: AgentState) -> dict[str, Any]:
    status: ExitStatus = state.get("stop") or "budget_exhausted"
    return {"exit_status": status, "events": [{"type": "finish", "exit_status": status}]}
