"""`python -m bench.solve_humaneval [N] [BUDGET]`: HumanEval pass@1 of single-shot generation vs the agent loop.

Same model (the embedded SmolLM2 through transformers), same token budget per task (BUDGET generated tokens:
one reply of BUDGET tokens single-shot; up to 3 replies of BUDGET/3 in the agent, no plan), same first N
tasks, both graded once on the hidden tests through `sandloop run`'s code path. Printed side by side with
the tokens and time each spent. Last line: one JSON object.
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
from agent.models.factory import build_model
from agent.models.presets import preset_for
from agent.models.serialized import shareable
from batch.config import RunConfig
from batch.run import run_batch
from batch.sample import SampleRunner
from batch.workers import LocalExecutor
from sandbox import PoolConfig, SandboxPool
from tasks.suites import load_suite

STEPS = 3


def main(count: int = 5, budget: int = 288) -> dict[str, float]:
    console = Console(highlight=False)
    tasks = load_suite("humaneval")[:count]
    model = shareable(build_model("transformers", None, None, tasks))
    preset = preset_for(model.name)
    modes = {
        "single-shot": AgentConfig.with_budget(
            1, budget, budget, preset.model_copy(update={"seed": 0}), plan=False
        ),
        "agent": AgentConfig.with_budget(
            STEPS, budget // STEPS, budget, preset.model_copy(update={"seed": 0}), plan=False
        ),
    }
    figures: dict[str, float] = {"tasks": count, "budget_tokens": budget}
    table = Table(title=f"HumanEval first {count}, embedded {model.name}, {budget} generated tokens per task")
    for column in ("mode", "pass@1", "tokens/task", "seconds/task"):
        table.add_column(column, justify="right")
    with SandboxPool(PoolConfig(size=1)) as pool, tempfile.TemporaryDirectory() as folder:
        for mode, agent_config in modes.items():
            config = RunConfig(
                suite="humaneval", backend="transformers", mode=mode, limit=count, agent=agent_config
            )
            started = time.perf_counter()
            records = run_batch(
                tasks,
                config,
                SampleRunner(model, pool, config, Path(folder) / mode),
                Path(folder) / mode,
                LocalExecutor(1),
            )
            elapsed = time.perf_counter() - started
            passed = sum(r.passed for r in records) / len(records)
            tokens = sum(r.tokens for r in records) / len(records)
            key = mode.replace("-", "_")
            figures |= {
                f"{key}_pass1": round(passed, 3),
                f"{key}_tokens": round(tokens, 1),
                f"{key}_s": round(elapsed / len(records), 2),
            }
            table.add_row(mode, f"{passed:.2f}", f"{tokens:.0f}", f"{elapsed / len(records):.1f}")
    console.print(table)
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
