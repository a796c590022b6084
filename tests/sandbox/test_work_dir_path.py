"""One rule for paths in the work dir, the same for job files and the agent's write_file tool."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sandbox import RunJob
from sandbox.models import work_dir_path
from tools.calls import WriteFileArgs

BAD = ["", "/etc/passwd", "../up.py", "a/../../b", "main.py"]
GOOD = ["helpers.py", "pkg/mod.py", "data/in.txt"]


@pytest.mark.parametrize("name", BAD)
def test_a_path_outside_the_work_dir_or_over_the_program_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="must be relative"):
        work_dir_path(name)
    with pytest.raises(ValidationError, match="must be relative"):
        RunJob(source="", files={name: "x"})
    with pytest.raises(ValidationError, match="must be relative"):
        WriteFileArgs(path=name, content="x")


@pytest.mark.parametrize("name", GOOD)
def test_a_relative_path_inside_is_kept(name: str) -> None:
    assert work_dir_path(name) == name
    assert RunJob(source="", files={name: "x"}).files == {name: "x"}
    assert WriteFileArgs(path=name, content="x").path == name
