"""`python -m bench.agent_overhead [N] [MAX_STEPS]`: where a solve's time goes, with the real embedded model.

Runs the agent (real SmolLM2 through transformers, real sandbox, real SQLite checkpoints and trajectory
files) on the first N HumanEval tasks and splits each run's wall time into model time (the backend's own
latency per call) and everything else (graph, parsing, checkpoints, trajectory writes, sandbox runs), side
by side per task. Target: the rest under 5% of the total. Last line: one JSON object.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agent.config import AgentConfig
from agent.models.config import ModelConfig, load_model
from agent.models.presets import preset_for
from agent.solve import solve
from sandbox import PoolConfig, SandboxPool
from tasks.suites import load_suite


def main(count: int = 3, max_steps: int = 3) -> dict[str, float]:
    console = Console(highlight=False)
    model = load_model(ModelConfig())
    sampling = preset_for(model.name).model_copy(update={"max_tokens": 96, "seed": 0})
    config = AgentConfig(max_steps=max_steps, plan=False, sampling=sampling)
    table = Table(
        title=f"Agent time split, embedded {model.name}, {count} HumanEval tasks, ≤{max_steps} steps"
    )
    for column in ("task", "exit", "steps", "wall s", "model s", "rest s", "rest %"):
        table.add_column(column, justify="right")
    totals = {"wall_s": 0.0, "model_s": 0.0, "steps": 0.0}
    with SandboxPool(PoolConfig(size=1)) as pool, tempfile.TemporaryDirectory() as folder:
        for task in load_suite("humaneval")[:count]:
            started = time.perf_counter()
            result = solve(task, model, pool, config, run_dir=Path(folder), run_id=task.id)
            wall = time.perf_counter() - started
            events = json.loads(result.trajectory_path.read_text())["events"]
            model_s = sum(e.get("latency_s", 0.0) for e in events if e["type"] == "model")
            rest = wall - model_s
            table.add_row(
                task.id,
                result.exit_status,
                str(result.steps),
                f"{wall:.1f}",
                f"{model_s:.1f}",
                f"{rest:.2f}",
                f"{100 * rest / wall:.1f}",
            )
            totals["wall_s"] += wall
            totals["model_s"] += model_s
            totals["steps"] += result.steps
    rest = totals["wall_s"] - totals["model_s"]
    figures = {
        **{k: round(v, 3) for k, v in totals.items()},
        "rest_s": round(rest, 3),
        "rest_per_step_s": round(rest / max(1.0, totals["steps"]), 4),
        "rest_fraction": round(rest / totals["wall_s"], 4),
    }
    console.print(table)
    console.print(
        f"outside the model: {100 * figures['rest_fraction']:.1f}% of wall time ({figures['rest_per_step_s'] * 1000:.0f} ms per step); target < 5%"
    )
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
