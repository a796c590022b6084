"""The verl adapter's own behaviour, without verl: loaded by file path, called with verl's keywords.

verl's own code drives it in tests/rl_verl (run in the verl environment, `make verl-env`)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import docker
import numpy as np
import pytest

from rl.dataset import verification_info, verl_row
from sandbox import PoolConfig
from sandbox.container import LABEL
from sandbox.pool import OWNER_LABEL
from tasks.spec import TaskSpec
from tests.support.hacks import HONEST
from tests.support.rl_samples import PARTIAL, WRONG, as_completion

pytestmark = pytest.mark.docker

VERL_REWARD = Path(__file__).parents[2] / "rl" / "verl_reward.py"
KEYS = {"score", "acc", "status", "pass_fraction", "passed", "infra_error", "answer_format"}


def load_like_verl(path: Path) -> ModuleType:
    """verl.utils.import_utils.load_module (0.9.1): a spec from the file, executed, not registered."""
    name = f"custom_module_{hash(str(path.resolve()))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def verl_module() -> Iterator[ModuleType]:
    module = load_like_verl(VERL_REWARD)
    module.configure_pool(PoolConfig(size=2))
    yield module
    module.close_pool()


def naive_call(module: ModuleType, task: TaskSpec, response: str, **reward_kwargs: Any) -> dict[str, Any]:
    """NaiveRewardManager: one call per response, reward_kwargs merged in by `_call_with_kwargs`."""
    row = verl_row(task, [{"role": "user", "content": task.prompt}])
    extra_info = {**row["extra_info"], "num_turns": None}
    result: dict[str, Any] = module.compute_score(
        data_source=row["data_source"],
        solution_str=response,
        ground_truth=row["reward_model"]["ground_truth"],
        extra_info=extra_info,
        **reward_kwargs,
    )
    return result


def test_one_response_per_call(verl_module: ModuleType, square: TaskSpec) -> None:
    honest, partial, no_code = (
        naive_call(verl_module, square, response)
        for response in (as_completion(HONEST), as_completion(PARTIAL), "I would multiply.")
    )
    for result in (honest, partial, no_code):
        assert set(result) == KEYS  # the same keys every time: verl stores them column-wise
        assert isinstance(result["score"], float)
    assert (honest["score"], honest["acc"], honest["status"], honest["passed"]) == (1.0, 1.0, "passed", True)
    assert partial["acc"] == no_code["acc"] == 0.0
    assert 0.0 < partial["score"] == partial["pass_fraction"] < 1.0
    assert (partial["status"], partial["passed"], partial["infra_error"]) == ("failed", False, False)
    assert (no_code["score"], no_code["status"], no_code["answer_format"]) == (
        0.0,
        "no_answer",
        "no_code_block",
    )


def test_reward_kwargs_configure_the_reward(verl_module: ModuleType, square: TaskSpec) -> None:
    strict = naive_call(verl_module, square, as_completion(PARTIAL), mode="all_or_nothing")
    assert strict["score"] == 0.0
    # QwQ: the template opened <think>, the response starts inside it.
    inside = f"Multiply.\n</think>\n\n```python\n{HONEST}```"
    assert naive_call(verl_module, square, inside, opened_by_template=True)["score"] == 1.0
    cut = f"Multiply.\n```python\n{HONEST}```"
    cut_result = naive_call(
        verl_module, square, cut, opened_by_template=True, format_term={"unterminated_thinking": -0.5}
    )
    assert (cut_result["score"], cut_result["answer_format"]) == (-0.5, "unterminated_thinking")
    with pytest.raises(ValueError, match="unknown reward keyword\\(s\\) 'no_such_option'"):
        naive_call(verl_module, square, cut, no_such_option=1)
    with pytest.raises(ValueError, match="mode"):
        naive_call(verl_module, square, cut, mode="most")


def test_verl_own_keywords_are_accepted_and_dropped(verl_module: ModuleType, square: TaskSpec) -> None:
    # The reward loop adds these when a reward model is enabled (naive, dapo, limited, remote managers).
    result = naive_call(
        verl_module,
        square,
        as_completion(HONEST),
        reward_router_address="127.0.0.1:9",
        reward_model_tokenizer=object(),
    )
    assert result["score"] == 1.0


def test_batch_manager_call(verl_module: ModuleType, square: TaskSpec) -> None:
    truth = verification_info(square)
    responses = [as_completion(code) for code in (HONEST, WRONG, PARTIAL)]
    results = verl_module.compute_score_batch(
        data_sources=np.array(["toy"] * 3, dtype=object),
        solution_strs=responses,
        ground_truths=[truth] * 3,
        extra_infos=np.array([{"index": i} for i in range(3)], dtype=object),
    )
    assert [r["status"] for r in results] == ["passed", "failed", "failed"]
    assert results[0]["score"] == 1.0
    assert 0.0 < results[1]["score"] < results[2]["score"] < 1.0


def test_concurrent_calls_share_one_pool(verl_module: ModuleType, square: TaskSpec) -> None:
    # verl's reward loop runs compute_score in executor threads.
    with ThreadPoolExecutor(6) as threads:
        pools = set(threads.map(lambda _: id(verl_module.shared_pool()), range(12)))
        scores = list(
            threads.map(
                lambda code: naive_call(verl_module, square, as_completion(code))["score"],
                [HONEST, WRONG] * 4,
            )
        )
    assert len(pools) == 1
    assert scores[0::2] == [1.0] * 4
    assert all(0.0 < score < 1.0 for score in scores[1::2])


def test_infra_errors_score_zero_flagged(verl_module: ModuleType, square: TaskSpec) -> None:
    verl_module.configure_pool(PoolConfig(size=1, image=f"sandloop-rl-missing:{uuid.uuid4().hex[:8]}"))
    try:
        before = verl_module.reward_stats().snapshot().infra_unscored
        result = naive_call(verl_module, square, as_completion(HONEST), infra_retry_s=0)
    finally:
        verl_module.configure_pool(PoolConfig(size=2))
    assert (result["score"], result["infra_error"], result["status"]) == (0.0, True, "infra_error")
    assert verl_module.reward_stats().snapshot().infra_unscored == before + 1
    assert naive_call(verl_module, square, as_completion(HONEST))["score"] == 1.0  # a working pool again


LOADER = """
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("custom_module", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
truth = sys.argv[2]
print(json.dumps({
    "pid": os.getpid(),
    "results": [module.compute_score("toy", response, truth) for response in json.loads(sys.argv[3])],
}))
"""


def test_loaded_from_outside_the_project_and_closed_at_exit(
    square: TaskSpec, docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    responses = [as_completion(HONEST), as_completion(WRONG)]
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"} | {
        "SANDLOOP_REWARD_POOL_SIZE": "1"
    }
    done = subprocess.run(
        [sys.executable, "-c", LOADER, str(VERL_REWARD), verification_info(square), json.dumps(responses)],
        cwd=tmp_path,  # `rl` is not importable from here: the module must find its own package
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout.strip().splitlines()[-1])
    honest, wrong = output["results"]
    assert (honest["score"], wrong["status"]) == (1.0, "failed")
    # Its pool was closed at exit: its containers go (they exit once their connection closes).
    filters = {"label": [LABEL, f"{OWNER_LABEL}={output['pid']}"]}
    deadline = time.monotonic() + 30
    while (
        left := docker_client.containers.list(all=True, filters=filters, ignore_removed=True)
    ) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left
