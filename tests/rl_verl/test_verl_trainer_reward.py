"""sandloop's reward under verl 0.9.1's own code: the reward loop (Ray workers), its managers, the legacy batch
and PRIME managers, `load_extern_object` by file path and `pkg://`, and the function shipped through Ray.

Batches are built as verl's trainer builds them: the exported parquet read by verl's RLHFDataset, responses
appended (tests/rl_verl/batches.py). Every recipe here is one the README documents, with the same keys.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import ray
from verl import DataProto
from verl.experimental.reward_loop import RewardLoopManager
from verl.trainer.ppo.reward import get_custom_reward_fn, load_reward_manager, resolve_reward_manager_cls
from verl.utils.import_utils import load_extern_object
from verl.workers.reward_manager import get_reward_manager_cls

from rl.verl_scoring import compute_score as direct_compute_score
from tasks import load_suite
from tests.rl_verl.batches import last_token_scores, rollout_batch, run_single_all
from tests.rl_verl.paths import SUITE, VERL_REWARD_FILE

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PATH_FILE = f"reward.custom_reward_function.path={VERL_REWARD_FILE}"
PATH_PKG = "reward.custom_reward_function.path=pkg://rl.verl_reward"
WRONG = {
    "sum_list": "def sum_list(numbers):\n    return 0\n",
    "is_even": "def is_even(n):\n    return True\n",
    "reverse_words": "def reverse_words(text):\n    return text\n",
}
NO_CODE = "I would loop over the input and think about it some more."


def fenced(code: str) -> str:
    return f"<think>\nLet me write it.\n</think>\n\n```python\n{code}```"


@pytest.fixture(scope="module")
def responses() -> dict[str, list[str]]:
    """Per task: its reference solution (passes), a wrong one (passes some asserts), no code at all."""
    return {
        task.id: [fenced(task.reference_solution or ""), fenced(WRONG[task.id]), NO_CODE]
        for task in load_suite(SUITE)
    }


@pytest.fixture(scope="module")
def batch(exported: Path, tokenizer: Any, responses: dict[str, list[str]]) -> DataProto:
    return rollout_batch(exported, tokenizer, responses)


@pytest.fixture(scope="module")
def expected(batch: DataProto) -> list[dict[str, Any]]:
    """What sandloop's reward says of each row, called directly in this process."""
    rows = zip(_responses_of(batch), batch.non_tensor_batch["reward_model"], strict=True)
    return [direct_compute_score(None, text, item["ground_truth"]) for text, item in rows]


def _responses_of(batch: DataProto) -> list[str]:
    # The response text the rows were built from, in row order (the reference, wrong, no-code cycle).
    by_task: dict[str, int] = {}
    out = []
    suite = {task.id: task for task in load_suite(SUITE)}
    for info in batch.non_tensor_batch["extra_info"]:
        task_id = info["task_id"]
        turn = by_task.get(task_id, 0)
        by_task[task_id] = turn + 1
        out.append([fenced(suite[task_id].reference_solution or ""), fenced(WRONG[task_id]), NO_CODE][turn])
    return out


def check_scores(scores: list[float], expected: list[dict[str, Any]]) -> None:
    assert scores == pytest.approx([result["score"] for result in expected])
    assert scores[0::3] == [1.0] * 3  # the reference solutions pass
    assert all(0.0 < score < 1.0 for score in scores[1::3])  # wrong ones pass some asserts
    assert scores[2::3] == [0.0] * 3  # no code, no run


def test_expected_rewards_come_from_real_runs(expected: list[dict[str, Any]]) -> None:
    assert [r["status"] for r in expected] == ["passed", "failed", "no_answer"] * 3
    assert [r["acc"] for r in expected] == [1.0, 0.0, 0.0] * 3


def test_reward_loop_scores_the_exported_rows(
    ray_cluster: None, verl_config: Callable[..., Any], batch: DataProto, expected: list[dict[str, Any]]
) -> None:
    """The trainer's path: RewardLoopManager starts `reward.num_workers` Ray workers, each loads the file
    with load_extern_object and scores its chunk of the batch one response at a time (naive manager)."""
    manager = RewardLoopManager(verl_config(PATH_FILE, "reward.num_workers=2"))
    try:
        output = manager.compute_rm_score(batch)
    finally:
        for worker in manager.reward_loop_workers:
            ray.kill(worker)
    check_scores(last_token_scores(output.batch["rm_scores"], batch), expected)
    extra = output.non_tensor_batch
    assert set(output.meta_info["reward_extra_keys"]) >= {"acc", "status", "pass_fraction", "infra_error"}
    assert list(extra["acc"]) == [1.0, 0.0, 0.0] * 3
    assert list(extra["status"]) == ["passed", "failed", "no_answer"] * 3
    assert not any(extra["infra_error"])


def test_remote_manager_ships_the_function_to_ray_actors(
    ray_cluster: None, verl_config: Callable[..., Any], batch: DataProto, expected: list[dict[str, Any]]
) -> None:
    """`reward.reward_manager.name=remote`: the loaded function (with its reward_kwargs) is pickled into
    RewardComputeWorker actors and called there."""
    config = verl_config(
        PATH_FILE,
        "reward.num_workers=1",
        "reward.reward_manager.name=remote",
        "+reward.custom_reward_function.reward_kwargs.mode=all_or_nothing",
        "+reward.custom_reward_function.reward_kwargs.workers_per_node=1",
    )
    manager = RewardLoopManager(config)
    try:
        output = manager.compute_rm_score(batch)
    finally:
        for worker in manager.reward_loop_workers:
            ray.kill(worker)
    scores = last_token_scores(output.batch["rm_scores"], batch)
    # all_or_nothing made it across: wrong answers now earn 0.0
    assert scores == [1.0, 0.0, 0.0] * 3
    assert list(output.non_tensor_batch["status"]) == [r["status"] for r in expected]


@ray.remote
def call_remotely(
    function: Callable[..., Any], calls: list[dict[str, Any]]
) -> tuple[int, list[dict[str, Any]]]:
    return os.getpid(), [dict(function(**kwargs)) for kwargs in calls]


def test_function_through_the_object_store_and_a_remote_task(
    ray_cluster: None, verl_config: Callable[..., Any], batch: DataProto, expected: list[dict[str, Any]]
) -> None:
    """Loaded by file path (verl does not register the module), put in Ray's object store, called in a task."""
    raw = load_extern_object(module_path=str(VERL_REWARD_FILE), object_name="compute_score")
    wrapped = get_custom_reward_fn(verl_config(PATH_FILE))  # verl's partial with the reward_kwargs
    assert pickle.loads(pickle.dumps(raw)) is raw  # plain pickle too (process pools): by reference
    texts = _responses_of(batch)
    calls = [
        {
            "data_source": batch.non_tensor_batch["data_source"][i],
            "solution_str": texts[i],
            "ground_truth": batch.non_tensor_batch["reward_model"][i]["ground_truth"],
            "extra_info": batch.non_tensor_batch["extra_info"][i],
        }
        for i in range(len(batch))
    ]
    for function in (raw, wrapped):
        pid, results = ray.get(call_remotely.remote(ray.put(function), calls))
        assert pid != os.getpid()
        check_scores([result["score"] for result in results], expected)


def test_dapo_manager_and_verl_own_keywords(
    verl_config: Callable[..., Any], tokenizer: Any, batch: DataProto, expected: list[dict[str, Any]]
) -> None:
    """DAPO's manager (its `filter_groups.metric=acc` reads `acc`), built as the reward loop builds it when a
    reward model is enabled: with `reward_router_address` and `reward_model_tokenizer`, which the
    manager passes on to the function."""
    config = verl_config(PATH_PKG, "reward.reward_manager.name=dapo")
    manager = load_reward_manager(
        config, tokenizer, reward_router_address="127.0.0.1:9", reward_model_tokenizer=tokenizer
    )
    outputs = run_single_all(manager, batch)
    check_scores([out["reward_score"] for out in outputs], expected)
    assert [out["reward_extra_info"]["acc"] for out in outputs] == [1.0, 0.0, 0.0] * 3


def test_unknown_reward_kwargs_are_refused_by_name(
    verl_config: Callable[..., Any], tokenizer: Any, batch: DataProto
) -> None:
    config = verl_config(PATH_FILE, "+reward.custom_reward_function.reward_kwargs.modes=all_or_nothing")
    manager = load_reward_manager(config, tokenizer)
    with pytest.raises(ValueError, match=r"unknown reward keyword\(s\) 'modes'"):
        run_single_all(manager, batch[:1])


def test_batch_manager_with_compute_score_batch(
    verl_config: Callable[..., Any], tokenizer: Any, batch: DataProto, expected: list[dict[str, Any]]
) -> None:
    """verl 0.9.1's trainer refuses `reward.reward_manager.name=batch` (the reward loop has no batch
    manager); the legacy BatchRewardManager takes `compute_score_batch` in a loop of one's own."""
    with pytest.raises(ValueError, match="Unknown reward manager: batch"):
        resolve_reward_manager_cls(verl_config("reward.reward_manager.name=batch"))
    config = verl_config(PATH_FILE, "reward.custom_reward_function.name=compute_score_batch")
    manager = get_reward_manager_cls("batch")(
        tokenizer, num_examine=0, compute_score=get_custom_reward_fn(config)
    )
    output = manager(batch, return_dict=True)
    check_scores(last_token_scores(output["reward_tensor"], batch), expected)
    assert output["reward_extra_info"]["acc"] == [1.0, 0.0, 0.0] * 3
    assert output["reward_extra_info"]["status"] == [r["status"] for r in expected]


def test_prime_manager_scores_in_its_process_pool(
    verl_config: Callable[..., Any], tokenizer: Any, batch: DataProto, expected: list[dict[str, Any]]
) -> None:
    """PRIME's manager calls the function positionally in forked worker processes and turns any failure
    into 0.0: it must get there (pickled by reference) and read a number (`result[0]` is the score)."""
    manager = get_reward_manager_cls("prime")(
        tokenizer, num_examine=0, compute_score=get_custom_reward_fn(verl_config(PATH_FILE))
    )
    output = manager(batch, return_dict=True)
    check_scores(last_token_scores(output["reward_tensor"], batch), expected)
    assert np.allclose(batch.batch["acc"].numpy(), [r["score"] for r in expected])
