"""Training tasks that carry a GRPO signal: the starting model's pass rate on each, kept strictly between the
bounds (0 and 1 by default).

GRPO's advantage is a completion's reward minus its group's mean: on a task the model always (or never)
solves, every completion of a group earns the same reward, an advantage of 0 and no gradient. Filtering the
training prompts by the starting model's pass rate before training is what DeepCoder, Skywork-OR1 and Polaris
do (DAPO drops the same groups online). The rates come from the one evaluation path (rl.heldout: the same
sampling, grader and reward), saved to a JSON file beside the run so a re-run or another bench on the same model
and sampling reuses them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from rl.heldout import EvalSettings, sample_and_score
from sandbox import Sandbox
from tasks.spec import TaskSpec


class PassRates(BaseModel):
    """The fraction of `settings.samples` draws per task that passed the hidden tests."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_dir: str
    weights: str = ""
    """The model's weight files when measured (`weights_stamp`): a model trained again into the same directory
    is another model."""
    settings: EvalSettings
    rates: dict[str, float]
    """Task id -> pass rate."""

    def matches(self, model_dir: Path, tasks: Sequence[TaskSpec], settings: EvalSettings) -> bool:
        """Measured on this model, with these settings, on (at least) these tasks."""
        return (
            self.model_dir == str(model_dir)
            and self.weights == weights_stamp(model_dir)
            and self.settings == settings
            and all(task.id in self.rates for task in tasks)
        )


def weights_stamp(model_dir: Path) -> str:
    """Name, size and modification time of each weight file: changes whenever the weights are written again."""
    files = sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin"))
    return ",".join(f"{path.name}:{path.stat().st_size}:{path.stat().st_mtime_ns}" for path in files)


def measure_pass_rates(
    model_dir: Path, tasks: Sequence[TaskSpec], pool: Sandbox, settings: EvalSettings
) -> PassRates:
    scores = sample_and_score(model_dir, tasks, pool, settings)
    per_task = [scores[i : i + settings.samples] for i in range(0, len(scores), settings.samples)]
    rates = {
        task.id: sum(score.passed for score in draws) / len(draws)
        for task, draws in zip(tasks, per_task, strict=True)
    }
    return PassRates(
        model_dir=str(model_dir), weights=weights_stamp(model_dir), settings=settings, rates=rates
    )


def cached_pass_rates(
    path: Path, model_dir: Path, tasks: Sequence[TaskSpec], pool: Sandbox, settings: EvalSettings
) -> PassRates:
    """The rates saved at `path` when they were measured the same way, else measured now and saved there."""
    if path.exists():
        saved = PassRates.model_validate_json(path.read_text(encoding="utf-8"))
        if saved.matches(model_dir, tasks, settings):
            return saved
    measured = measure_pass_rates(model_dir, tasks, pool, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(measured.model_dump_json(indent=1) + "\n", encoding="utf-8")
    return measured


def with_signal(
    tasks: Sequence[TaskSpec], rates: PassRates, low: float = 0.0, high: float = 1.0
) -> list[TaskSpec]:
    """The tasks whose pass rate lies strictly between `low` and `high`, in their order."""
    return [task for task in tasks if low < rates.rates[task.id] < high]
