"""RUN_DIR/config.json: written by the first run, resumed by the same config, another one refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.config import AgentConfig
from batch.config import LOCK_FILE, RunConfig, claim_run_dir, read_config
from batch.errors import BatchError
from batch.execute import default_run_dir
from tests.support.lock_holder import lock_held_elsewhere


def config(**fields: object) -> RunConfig:
    return RunConfig.model_validate({"suite": "humaneval", "backend": "openai"} | fields)


def test_the_first_run_writes_the_config_and_the_same_one_resumes(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    given = config(samples=3, limit=5)
    assert claim_run_dir(run_dir, given) is False
    assert read_config(run_dir) == given
    assert json.loads((run_dir / "config.json").read_text())["samples"] == 3
    assert claim_run_dir(run_dir, config(samples=3, limit=5)) is True


def test_another_config_is_refused_in_one_line_naming_every_differing_field(tmp_path: Path) -> None:
    claim_run_dir(tmp_path, config(samples=3, mode="agent"))
    changed = config(samples=5, mode="single-shot", agent=AgentConfig(max_steps=2))
    with pytest.raises(BatchError) as caught:
        claim_run_dir(tmp_path, changed)
    message = str(caught.value)
    assert "\n" not in message
    assert 'mode ("agent" → "single-shot")' in message
    assert "agent.max_steps (8 → 2)" in message
    assert "samples (" not in message  # a larger -n alone would extend the run
    assert "limit (" not in message and "suite (" not in message
    assert read_config(tmp_path) == config(samples=3, mode="agent")  # the stored config is left alone


def test_a_larger_n_or_limit_extends_the_run_and_becomes_its_config(tmp_path: Path) -> None:
    claim_run_dir(tmp_path, config(samples=1, limit=2))
    assert claim_run_dir(tmp_path, config(samples=2, limit=3)) is True
    assert read_config(tmp_path) == config(samples=2, limit=3)
    assert claim_run_dir(tmp_path, config(samples=2)) is True  # no --limit: every task, the most there is
    assert read_config(tmp_path) == config(samples=2)


@pytest.mark.parametrize(
    ("stored", "given", "refused"),
    [
        ({"samples": 3}, {"samples": 2}, "samples (3 → 2: -n may only grow)"),
        ({"limit": 5}, {"limit": 4}, "limit (5 → 4: --limit may only grow)"),
        ({}, {"limit": 4}, "limit (null → 4: --limit may only grow)"),
    ],
)
def test_a_run_is_never_cut_back(
    stored: dict[str, int], given: dict[str, int], refused: str, tmp_path: Path
) -> None:
    claim_run_dir(tmp_path, config(**stored))
    with pytest.raises(BatchError) as caught:
        claim_run_dir(tmp_path, config(**given))
    assert refused in str(caught.value)
    assert read_config(tmp_path) == config(**stored)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="workers"):
        RunConfig.model_validate({"suite": "humaneval", "backend": "openai", "workers": 4})


def test_a_damaged_config_file_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(BatchError, match=r"config.json: not a run config"):
        claim_run_dir(tmp_path, config())


def test_a_run_dir_another_process_holds_is_refused_naming_it_and_its_pid(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    with lock_held_elsewhere(run_dir / LOCK_FILE) as holder:
        with pytest.raises(BatchError) as caught:
            claim_run_dir(run_dir, config())
        assert str(caught.value).startswith(
            f"{run_dir} is in use by another sandloop process (pid {holder.pid})"
        )
        assert read_config(run_dir) is None  # nothing written by the refused claim
    # the lock goes with its process, even one that is killed
    assert claim_run_dir(run_dir, config()) is False
    assert claim_run_dir(run_dir, config()) is True  # this process holding it already is no conflict


def test_the_default_run_dir_is_the_same_for_a_larger_n_or_limit_only() -> None:
    base = default_run_dir(config(samples=1, limit=2))
    assert default_run_dir(config(samples=4)) == base  # the same run, extended
    assert default_run_dir(config(samples=1, limit=2, agent=AgentConfig(max_steps=2))) != base
