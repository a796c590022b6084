"""Run the agent on one task: checkpointed in SQLite (an interrupted solve resumes from its last step),
with the trajectory saved after every step."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import StateSnapshot
from pydantic import BaseModel, ConfigDict

from agent.config import AgentConfig
from agent.context import AgentContext
from agent.graph import build_graph
from agent.models.base import ChatModel
from agent.state import AgentState
from agent.trajectory import Trajectory, save
from sandbox import Limits, Sandbox
from tasks.spec import TaskSpec
from tools.context import ToolContext

EventSink = Callable[[dict[str, Any]], None]


class SolveResult(BaseModel):
    """How one solve ended (the hidden tests are graded by the caller, once)."""

    model_config = ConfigDict(extra="forbid")

    exit_status: str
    """solved, budget_exhausted, gave_up, model_error or format_errors."""
    code: str | None
    """The final answer."""
    public_passed: bool
    """Did the public (or the agent's own) tests pass on it."""
    steps: int
    """Model calls."""
    tokens: int
    """Generated tokens."""
    seconds: float
    """Wall time over all resumes."""
    trajectory_path: Path
    """Where the trajectory JSON is."""
    resumed: bool
    """This call continued an interrupted solve."""
    finished_before: bool = False
    """The run had already finished (a checkpoint with a final state): nothing was redone."""


def solve(
    task: TaskSpec,
    model: ChatModel,
    pool: Sandbox,
    config: AgentConfig,
    run_dir: Path,
    run_id: str,
    on_event: EventSink | None = None,
) -> SolveResult:
    run_dir.mkdir(parents=True, exist_ok=True)
    trajectory_path = run_dir / f"{_file_name(run_id)}.json"
    header = Trajectory(
        run_id=run_id,
        task={"id": task.id, "suite": task.suite, "prompt": task.prompt},
        model=model.name,
        config=config.model_dump(),
    )
    context = AgentContext(
        model=model,
        handle=ToolContext(pool=pool, task=task, limits=Limits(timeout_s=max(task.time_limit_s, 10.0))),
        config=config,
    )
    graph = _checkpointed_graph(run_dir / "checkpoints.sqlite")
    thread: RunnableConfig = {"configurable": {"thread_id": run_id}}
    snapshot = graph.get_state(thread)
    start_from = thread
    if snapshot.values.get("exit_status") == "model_error":  # the model failed: ask it again
        snapshot = _before_model_error(graph, thread) or snapshot
        start_from = snapshot.config
    resumed = bool(snapshot.values)
    finished_before = resumed and not snapshot.next
    state: dict[str, Any] = dict(snapshot.values)
    if not finished_before:
        start: AgentState | None = None if resumed else {"messages": [], "events": []}
        seen = len(state.get("events", []))
        for values in graph.stream(start, start_from, context=context, stream_mode="values"):
            state = dict(values)
            for event in state.get("events", [])[seen:]:
                if on_event:
                    on_event(event)
            seen = len(state.get("events", []))
            save(_trajectory(header, state), trajectory_path)
    save(_trajectory(header, state), trajectory_path)
    return SolveResult(
        exit_status=state.get("exit_status") or "budget_exhausted",
        code=state.get("code"),
        public_passed=bool(state.get("tests_passed")),
        steps=state.get("steps", 0),
        tokens=state.get("tokens", 0),
        seconds=round(state.get("seconds", 0.0), 3),
        trajectory_path=trajectory_path,
        resumed=resumed,
        finished_before=finished_before,
    )


def _before_model_error(
    graph: CompiledStateGraph[Any, Any, Any, Any], thread: RunnableConfig
) -> StateSnapshot | None:
    """The checkpoint just before the model call that failed: the solve goes on from there (a fork of the
    thread, which becomes its latest state), as if the failure had not happened."""
    for snapshot in graph.get_state_history(thread):  # newest first
        if snapshot.next and snapshot.values.get("stop") != "model_error":
            return snapshot
    return None


_graphs: dict[Path, CompiledStateGraph[Any, Any, Any, Any]] = {}
_graphs_lock = threading.Lock()


def _checkpointed_graph(database: Path) -> CompiledStateGraph[Any, Any, Any, Any]:
    """One compiled graph and SQLite connection per checkpoint file and process: a batch run solves many
    tasks against the same file, from many threads (the saver locks around its connection)."""
    key = database.resolve()
    with _graphs_lock:
        if key not in _graphs:
            connection = sqlite3.connect(key, check_same_thread=False)
            _graphs[key] = build_graph().compile(checkpointer=SqliteSaver(connection))
        return _graphs[key]


def _file_name(run_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)


def _trajectory(header: Trajectory, state: dict[str, Any]) -> Trajectory:
    return header.model_copy(
        update={
            "messages": state.get("messages", []),
            "attempt_start": state.get("attempt_start", 0),
            "events": state.get("events", []),
            "exit_status": state.get("exit_status"),
            "final_code": state.get("code"),
            "steps": state.get("steps", 0),
            "tokens": state.get("tokens", 0),
            "seconds": round(state.get("seconds", 0.0), 3),
        }
    )
