"""A run extended with a larger -n or --limit: only the missing samples run, nothing finished is lost or redone,
and pass@k is over every sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.models.serialized import shareable
from batch.config import RunConfig, read_config
from batch.execute import prepare_run
from batch.run import run_batch
from batch.sample import SampleRunner
from batch.sample_records import SampleRecord
from batch.summary import summarize
from batch.workers import LocalExecutor
from sandbox import SandboxPool
from tasks.infra_retry import InfraRetry
from tests.support.batch_run import EXAMPLES, CountingOracle, example_tasks, result_lines, sandloop

pytestmark = pytest.mark.docker


def extend(pool: SandboxPool, run_dir: Path, samples: int, limit: int) -> tuple[int, list[SampleRecord]]:
    """The run of `sandloop run EXAMPLES -n samples --limit limit --out run_dir`: model calls and records."""
    config = RunConfig(suite=EXAMPLES, backend="oracle", mode="single-shot", samples=samples, limit=limit)
    prepared = prepare_run(config, run_dir)
    oracle = CountingOracle(prepared.everything)
    sampler = SampleRunner(shareable(oracle), pool, config, run_dir, InfraRetry(backoff_s=0.0))
    records = run_batch(
        prepared.tasks, config, sampler, run_dir, LocalExecutor(2), finished=prepared.finished
    )
    return oracle.calls, records


def test_raising_n_and_limit_runs_only_the_missing_samples(pool: SandboxPool, tmp_path: Path) -> None:
    first_calls, first = extend(pool, tmp_path, samples=1, limit=2)
    assert first_calls == 2
    lines = result_lines(tmp_path)

    calls, records = extend(pool, tmp_path, samples=2, limit=3)
    assert calls == 4  # sample 1 of the first two tasks, samples 0 and 1 of the third
    assert result_lines(tmp_path)[:2] == lines and len(result_lines(tmp_path)) == 6  # nothing redone
    ids = [task.id for task in example_tasks()]
    assert [(r.task_id, r.sample) for r in records] == [(i, s) for i in ids for s in (0, 1)]
    assert [r for r in records if r.sample == 0][:2] == first  # the finished samples, as they were
    summary = summarize(records, 2)
    assert [(e.k, e.tasks) for e in summary.pass_at_k] == [(1, 3), (2, 3)]
    assert read_config(tmp_path) == RunConfig(
        suite=EXAMPLES, backend="oracle", mode="single-shot", samples=2, limit=3
    )

    assert extend(pool, tmp_path, samples=2, limit=3)[0] == 0  # the same again: nothing left to run


def test_the_command_extends_a_run_and_counts_every_sample(tmp_path: Path) -> None:
    out = tmp_path / "run"
    base = ("run", EXAMPLES, "--backend", "oracle", "--mode", "single-shot", "--out", str(out))
    first = sandloop(*base, "-n", "1", "--limit", "2")
    assert first.returncode == 0, first.stdout + first.stderr
    lines = result_lines(out)
    assert len(lines) == 2

    extended = sandloop(*base, "-n", "2", "--limit", "3")
    assert extended.returncode == 0, extended.stdout + extended.stderr
    assert "resuming: 2 samples already finished" in extended.stdout
    assert result_lines(out)[:2] == lines and len(result_lines(out)) == 6  # one line per sample run

    cut = sandloop(*base, "-n", "1", "--limit", "3")
    assert cut.returncode == 2 and "samples (2 → 1: -n may only grow)" in cut.stderr
