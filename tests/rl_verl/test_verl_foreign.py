"""Foreign ground truths (verl/PRIME, DeepCoder/LiveCodeBench) in verl parquet rows, read by verl's dataset
and scored by verl's reward-loop manager with sandloop's reward."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from verl.trainer.ppo.reward import load_reward_manager

from tests.rl_verl.batches import rollout_batch, run_single_all
from tests.rl_verl.paths import VERL_REWARD_FILE
from tests.support.foreign_samples import FOREIGN
from tests.support.rl_samples import as_completion

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_foreign_rows_score_through_verls_manager(
    verl_config: Callable[..., Any], tokenizer: Any, tmp_path: Path
) -> None:
    rows = [
        {
            "data_source": source,
            "prompt": [{"role": "user", "content": f"Solve {name}."}],
            "ability": "code",
            "reward_model": {"style": "rule", "ground_truth": json.dumps(truth)},
            "extra_info": {"index": index, "split": "train", "task_id": name},
        }
        for index, (name, (source, truth, _, _)) in enumerate(FOREIGN.items())
    ]
    parquet = tmp_path / "foreign.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    responses = {
        name: [as_completion(honest[-1]), as_completion(wrong)]
        for name, (_, _, honest, wrong) in FOREIGN.items()
    }
    batch = rollout_batch(parquet, tokenizer, responses)
    config = verl_config(f"reward.custom_reward_function.path={VERL_REWARD_FILE}")
    outputs = run_single_all(load_reward_manager(config, tokenizer), batch)
    scores = [out["reward_score"] for out in outputs]
    assert scores[0::2] == [1.0] * len(FOREIGN)  # the class-based answers where the task is call-based
    assert all(0.0 < score < 1.0 for score in scores[1::2])
    assert [out["reward_extra_info"]["status"] for out in outputs] == ["passed", "failed"] * len(FOREIGN)
