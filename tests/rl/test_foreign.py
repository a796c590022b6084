"""Foreign ground truths (verl/PRIME objects, DeepCoder/LiveCodeBench test lists) graded as they come: in the
TRL adapter's column, in verl parquet rows, and against the reward-hack corpus."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rl.dataset import task_from_verification
from rl.process_pool import close_pool, configure_pool
from rl.trl_reward import TrlReward
from rl.verl_scoring import compute_score, compute_score_batch
from sandbox import PoolConfig, SandboxPool
from tasks import TaskError
from tests.support.foreign_samples import FOREIGN, LCB_FUNCTIONAL, PRIME_CALLS
from tests.support.hacks import CHEATS
from tests.support.rl_samples import as_completion


@pytest.fixture(scope="module")
def verl_pool() -> Iterator[None]:
    configure_pool(PoolConfig(size=2))
    yield
    close_pool()


@pytest.mark.docker
@pytest.mark.parametrize("name", list(FOREIGN))
def test_trl_column_holds_a_foreign_ground_truth(pool: SandboxPool, name: str) -> None:
    _, truth, honest, wrong = FOREIGN[name]
    answers = [as_completion(code) for code in [*honest, wrong]]
    for column in (json.dumps(truth), truth):  # a JSON string, or the decoded value as datasets hands it
        scores = TrlReward(pool)(["p"] * len(answers), answers, verification_info=[column] * len(answers))
        assert scores[:-1] == [1.0] * len(honest)
        assert scores[-1] is not None and 0.0 < scores[-1] < 1.0


@pytest.mark.docker
def test_verl_parquet_rows_with_foreign_ground_truths(verl_pool: None, tmp_path: Path) -> None:
    rows = [
        {
            "data_source": source,
            "prompt": [{"role": "user", "content": name}],
            "ability": "code",
            "reward_model": {"style": "rule", "ground_truth": json.dumps(truth)},
            "extra_info": {"index": index, "split": "train"},
        }
        for index, (name, (source, truth, _, _)) in enumerate(FOREIGN.items())
    ]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "foreign.parquet")
    back = pq.read_table(tmp_path / "foreign.parquet").to_pylist()
    for row, (honest, wrong) in zip(back, [(h[0], w) for _, _, h, w in FOREIGN.values()], strict=True):
        truth = row["reward_model"]["ground_truth"]
        good = compute_score(row["data_source"], as_completion(honest), truth, row["extra_info"])
        bad = compute_score(row["data_source"], as_completion(wrong), truth, row["extra_info"])
        assert (good["score"], good["acc"], good["status"]) == (1.0, 1.0, "passed"), row["data_source"]
        assert (bad["acc"], bad["status"]) == (0.0, "failed") and 0.0 < bad["score"] < 1.0
    batch = compute_score_batch(
        [row["data_source"] for row in back],
        [as_completion(h[0]) for _, _, h, _ in FOREIGN.values()],
        [row["reward_model"]["ground_truth"] for row in back],
    )
    assert [result["score"] for result in batch] == [1.0] * len(back)


@pytest.mark.docker
@pytest.mark.parametrize("truth", [PRIME_CALLS, LCB_FUNCTIONAL], ids=["prime", "livecodebench"])
def test_cheats_never_pass_a_foreign_ground_truth(pool: SandboxPool, truth: Any) -> None:
    answers = [as_completion(code) for code in CHEATS.values()]
    scores = TrlReward(pool)(
        ["p"] * len(answers), answers, verification_info=[json.dumps(truth)] * len(answers)
    )
    passed = [name for name, score in zip(CHEATS, scores, strict=True) if score == 1.0]
    assert not passed, f"cheats that passed: {passed}"


@pytest.mark.parametrize(
    ("truth", "message"),
    [
        ({"inputs": [[1]], "outputs": []}, "equally long, non-empty lists 'inputs' and 'outputs'"),
        ({"inputs": [1], "outputs": [1], "fn_name": "f"}, r"inputs\[0\]: expected the list of arguments"),
        ({"inputs": [[1]], "outputs": [1], "fn_name": "not a name"}, "fn_name: expected a function name"),
        ({"inputs": [3], "outputs": ["3"]}, r"inputs\[0\]: expected a string or a list of lines"),
        ([{"input": "1", "output": "1", "testtype": "mystery"}], "test 1: expected {input, output, testtype"),
        (
            [
                {"input": "1", "output": "1", "testtype": "stdin"},
                {"input": "1", "output": "1", "testtype": "functional"},
            ],
            "test 2 is functional, the first is stdin",
        ),
        (
            [{"input": "x", "output": "1", "testtype": "functional"}],
            "test 1: functional input and output must be JSON",
        ),
        (
            [{"input": "1", "output": "1", "testtype": "functional"}],
            "metadata.func_name: expected a function name",
        ),
    ],
)
def test_malformed_foreign_ground_truths_are_named(truth: Any, message: str) -> None:
    with pytest.raises(TaskError, match=f"ground truth: .*{message}"):
        task_from_verification(json.dumps(truth), "apps")
