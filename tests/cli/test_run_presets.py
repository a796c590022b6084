"""`sandloop run` takes its model settings from the preset, lets each option win, and records the result in
the run config and every trajectory; the generated suite and a plain .jsonl path are suites like any other.
Real processes and containers; the oracle stands in for the model (the settings are what is under test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.models.presets import PRESETS
from agent.restart_policy import Restart
from batch.sample_records import read_records
from tests.support.batch_run import sandloop

pytestmark = pytest.mark.docker

PLAIN_PATH = "docs/examples/tasks.jsonl"


def test_the_preset_and_the_options_given_are_recorded_in_the_config_and_trajectory(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", PLAIN_PATH, "--backend", "oracle", "--preset", "qwq", "--limit", "1", "--out", str(out)]
    args += ["--native-tools", "--restart", "on-failure"]
    overrides = ["--temperature", "0.7", "--top-k", "20", "--max-tokens", "777", "--max-seconds", "120"]
    done = sandloop(*args, *overrides, "--plan")
    assert done.returncode == 0, done.stdout + done.stderr
    agent = json.loads((out / "config.json").read_text())["agent"]
    qwq = PRESETS["qwq"]
    assert agent["preset"] == "qwq"
    assert agent["sampling"] == qwq.sampling.model_dump() | {
        "temperature": 0.7,
        "top_k": 20,
        "max_tokens": 777,
    }
    assert (agent["max_seconds"], agent["plan"], agent["max_total_tokens"]) == (120, True, 6 * 777)
    assert agent["native_tools"] is True and qwq.native_tools is False
    assert agent["restart"] == "on-failure" and qwq.restart is Restart.NEVER
    [record] = read_records(out)
    assert record.passed and record.trajectory
    trajectory = json.loads((out / record.trajectory).read_text())
    assert trajectory["config"] == agent

    changed = sandloop(*args, *overrides[:-1], "90", "--plan")  # another time budget: another run
    assert changed.returncode == 2
    assert changed.stderr.count("\n") == 1 and "agent.max_seconds (120.0 → 90.0)" in changed.stderr
    same = sandloop(*args, *overrides, "--plan")  # the same options: resumed, nothing redone
    assert same.returncode == 0, same.stdout + same.stderr
    assert "resuming: 1 samples already finished" in same.stdout


def test_without_options_a_run_records_the_family_preset(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = sandloop("run", PLAIN_PATH, "--backend", "oracle", "--mode", "single-shot", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    agent = json.loads((out / "config.json").read_text())["agent"]
    generic = PRESETS["generic"]  # the oracle is no family: the generic preset
    assert (agent["preset"], agent["sampling"], agent["plan"]) == (
        "generic",
        generic.sampling.model_dump(),
        generic.plan,
    )
    assert len(read_records(out)) == 3


def test_run_takes_the_generated_suite(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = sandloop(
        "run",
        "generated:heldout",
        "--backend",
        "oracle",
        "--mode",
        "single-shot",
        "--limit",
        "2",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    records = read_records(out)
    assert len(records) == 2 and all(record.passed for record in records)
    assert json.loads((out / "config.json").read_text())["suite"] == "generated:heldout"
