"""`train grpo --resume` goes on with the run's own settings and tasks (OUT/settings.json): any other is refused
by name before a model loads; how long it runs and how often it saves may change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rl.grpo import SETTINGS_FILE, GrpoSettings, changed_settings, recorded_settings, refuse_other_settings
from rl.training import TrainingError
from tasks import load_suite


def settings(tmp_path: Path, **fields: object) -> GrpoSettings:
    return GrpoSettings.model_validate({"model_dir": tmp_path / "model", "out": tmp_path / "out"} | fields)


def stored_run(tmp_path: Path) -> Path:
    path = tmp_path / "out" / SETTINGS_FILE
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(recorded_settings(settings(tmp_path), load_suite("generated")[:2])))
    return path


def test_other_settings_or_tasks_are_refused_by_name(tmp_path: Path) -> None:
    path = stored_run(tmp_path)
    other = recorded_settings(settings(tmp_path, learning_rate=3e-5), load_suite("generated")[:3])
    with pytest.raises(
        TrainingError, match=r"was trained with other learning_rate, tasks: resume with the same"
    ):
        refuse_other_settings(path, other)


def test_a_longer_run_or_another_save_interval_may_resume(tmp_path: Path) -> None:
    path = stored_run(tmp_path)
    longer = recorded_settings(
        settings(tmp_path, steps=80, save_steps=10, max_seconds=60.0, resume=True),
        load_suite("generated")[:2],
    )
    assert changed_settings(json.loads(path.read_text()), longer) == []
    refuse_other_settings(path, longer)


def test_a_file_without_task_ids_compares_the_settings_it_holds(tmp_path: Path) -> None:
    path = tmp_path / SETTINGS_FILE  # as sandloop wrote it before the task ids were recorded
    path.write_text(settings(tmp_path).model_dump_json())
    given = recorded_settings(settings(tmp_path), load_suite("generated")[:5])
    assert changed_settings(json.loads(path.read_text()), given) == []
    refuse_other_settings(path, given)
    with pytest.raises(TrainingError, match="other seed"):
        refuse_other_settings(path, recorded_settings(settings(tmp_path, seed=1), []))


def test_a_damaged_settings_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / SETTINGS_FILE
    path.write_text("{not json")
    with pytest.raises(TrainingError, match=r"settings.json: not a run's settings"):
        refuse_other_settings(path, recorded_settings(settings(tmp_path), []))
