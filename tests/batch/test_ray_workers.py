"""`--executor ray`: the same run on a real local Ray instance gives the same results as the local executor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.config import AgentConfig
from batch.config import RunConfig
from batch.ray_workers import PortableSampler, RayExecutor
from batch.run import run_batch
from batch.workers import LocalExecutor
from tasks.suites import load_suite

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.docker, pytest.mark.slow]
SUITE = f"jsonl:{Path(__file__).parents[2] / 'docs' / 'examples' / 'tasks.jsonl'}"


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.mark.parametrize("mode", ["single-shot", "agent"])
def test_ray_and_local_executors_agree(local_ray: None, tmp_path: Path, mode: str) -> None:
    tasks = load_suite(SUITE)
    config = RunConfig(suite=SUITE, backend="oracle", mode=mode, samples=2, agent=AgentConfig(plan=False))
    results = {}
    for name, executor in (("local", LocalExecutor(2)), ("ray", RayExecutor(2))):
        run_dir = tmp_path / name
        sampler = PortableSampler(config=config, run_dir=run_dir, tasks=tasks)
        try:
            records = run_batch(tasks, config, sampler, run_dir, executor)
        finally:
            sampler.close()  # the local executor ran it here; Ray's copies live (and end) in its workers
        results[name] = [(r.task_id, r.sample, r.status, r.passed, r.code) for r in records]
        assert (run_dir / "results.jsonl").read_text().count("\n") == len(tasks) * 2
    assert results["ray"] == results["local"]
    assert all(passed for _, _, _, passed, _ in results["ray"])  # the oracle answers reference solutions
