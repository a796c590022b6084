"""RUN_DIR/results.jsonl: durable appends, the latest line of a sample wins, a torn tail is cut."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batch.errors import BatchError
from batch.sample_records import ResultsLog, SampleRecord, read_records


def record(task_id: str, sample: int, status: str = "passed") -> SampleRecord:
    return SampleRecord.model_validate(
        {
            "task_id": task_id,
            "sample": sample,
            "status": status,
            "passed": status == "passed",
            "pass_fraction": 1.0 if status == "passed" else 0.0,
            "code": "print('ü\u2028')",  # a non-ASCII line separator must not split the JSON line
        }
    )


def test_appended_records_load_back(tmp_path: Path) -> None:
    written = [record("a", 0), record("a", 1, "failed"), record("b", 0, "timeout")]
    with ResultsLog(tmp_path) as log:
        for one in written:
            log.append(one)
    assert read_records(tmp_path) == written
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 3


def test_a_sample_written_again_replaces_its_earlier_line(tmp_path: Path) -> None:
    with ResultsLog(tmp_path) as log:
        log.append(record("a", 0, "infra_error"))
        log.append(record("b", 0))
        log.append(record("a", 0, "failed"))
    loaded = ResultsLog(tmp_path).load()
    assert [(key, r.status) for key, r in loaded.items()] == [(("a", 0), "failed"), (("b", 0), "passed")]


def test_a_line_torn_by_a_crash_is_skipped_and_cut_on_repair(tmp_path: Path) -> None:
    with ResultsLog(tmp_path) as log:
        log.append(record("a", 0))
    path = tmp_path / "results.jsonl"
    whole = path.read_bytes()
    torn = json.dumps(record("a", 1).model_dump()).encode()[:-7]
    path.write_bytes(whole + torn)
    assert list(ResultsLog(tmp_path).load()) == [("a", 0)]
    assert path.read_bytes() == whole + torn  # reading (a report) never changes the file
    ResultsLog(tmp_path).load(repair=True)
    assert path.read_bytes() == whole
    with ResultsLog(tmp_path) as log:
        log.append(record("a", 1))
    assert list(ResultsLog(tmp_path).load()) == [("a", 0), ("a", 1)]


def test_a_malformed_line_is_one_error_naming_file_and_line(tmp_path: Path) -> None:
    with ResultsLog(tmp_path) as log:
        log.append(record("a", 0))
    path = tmp_path / "results.jsonl"
    path.write_text(path.read_text() + '{"task_id": "b"}\n')
    with pytest.raises(BatchError) as caught:
        ResultsLog(tmp_path).load()
    message = str(caught.value)
    assert message.startswith(f"{path}:2: not a sample record: ")
    assert "\n" not in message
