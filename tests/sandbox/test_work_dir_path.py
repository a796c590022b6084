"""One rule for paths in the work dir, the same for job files and the agent's write_file tool."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sandbox import RunJob
from sandbox.models import work_dir_path
from tools.calls import WriteFileArgs

OUTSIDE = ["", "/etc/passwd", "../up.py", "a/../../b"]
RESERVED = ["main.py", "main", "main.cpp", ".cache/go-build"]  # the sandbox writes these itself
GOOD = ["helpers.py", "pkg/mod.py", "data/in.txt"]


@pytest.mark.parametrize(
    ("name", "message"),
    [(name, "must be relative") for name in OUTSIDE] + [(name, "sandbox writes itself") for name in RESERVED],
)
def test_a_path_outside_the_work_dir_or_over_the_sandbox_files_is_refused(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        work_dir_path(name)
    with pytest.raises(ValidationError, match=message):
        RunJob(source="", files={name: "x"})
    with pytest.raises(ValidationError, match=message):
        WriteFileArgs(path=name, content="x")


@pytest.mark.parametrize("name", RESERVED)
def test_a_sandbox_file_may_be_fetched_but_not_written(name: str) -> None:
    assert RunJob(source="", fetch_files=[name]).fetch_files == [name]


@pytest.mark.parametrize("name", GOOD)
def test_a_relative_path_inside_is_kept(name: str) -> None:
    assert work_dir_path(name) == name
    assert RunJob(source="", files={name: "x"}).files == {name: "x"}
    assert WriteFileArgs(path=name, content="x").path == name
