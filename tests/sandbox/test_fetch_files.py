"""Files in and out of a run: only regular files inside the job's work dir come back."""

from __future__ import annotations

import base64
import hashlib

import pytest
from pydantic import TypeAdapter, ValidationError

from sandbox import Job, RunJob, SandboxPool

pytestmark = pytest.mark.docker

WRITES = """
import os
open("out.txt", "w").write(open("in/data.txt").read().upper())
os.makedirs("sub", exist_ok=True)
open("sub/two.txt", "w").write("two")
os.symlink("/etc/passwd", "escape.txt")
os.symlink("/tmp/job/out.txt", "inside.txt")
os.mkfifo("pipe")
"""


def test_files_go_in_and_come_back(pool: SandboxPool) -> None:
    names = ["out.txt", "sub/two.txt", "missing.txt", "escape.txt", "inside.txt", "pipe"]
    result = pool.run(RunJob(source=WRITES, files={"in/data.txt": "hello"}, fetch_files=names))
    assert result.status == "passed", result
    got = {
        name: None if data is None else base64.b64decode(data).decode() for name, data in result.files.items()
    }
    assert got == {
        "out.txt": "HELLO",
        "sub/two.txt": "two",
        "missing.txt": None,
        "escape.txt": None,  # a symlink out of the work dir is never followed by the root executor
        "inside.txt": "HELLO",
        "pipe": None,
    }


def test_fetch_paths_must_stay_inside_the_work_dir() -> None:
    for name in ("/etc/passwd", "../etc/passwd", "a/../../b", ""):
        with pytest.raises(ValidationError, match="must be relative and inside the work dir"):
            RunJob(source="", fetch_files=[name])


def test_a_compiled_programs_files_come_back(languages_pool: SandboxPool) -> None:
    source = '#include <stdio.h>\nint main(){ FILE* f = fopen("result.txt", "w"); fputs("from c", f); return 0; }\n'
    result = languages_pool.run(RunJob(language="c", source=source, fetch_files=["result.txt"]))
    assert result.status == "passed", result
    assert base64.b64decode(result.files["result.txt"] or "") == b"from c"


EVERY_BYTE = bytes(range(256)) * 4
HASHES_AND_REWRITES = """
import hashlib
data = open("in/every.bin", "rb").read()
print(hashlib.sha256(data).hexdigest(), len(data))
open("out.bin", "wb").write(data[::-1])
"""


def test_binary_files_go_in_and_come_back_byte_exact(pool: SandboxPool) -> None:
    job = RunJob(
        source=HASHES_AND_REWRITES, binary_files={"in/every.bin": EVERY_BYTE}, fetch_files=["out.bin"]
    )
    result = pool.run(job)
    assert result.status == "passed", result
    assert result.stdout.split() == [hashlib.sha256(EVERY_BYTE).hexdigest(), str(len(EVERY_BYTE))]
    assert base64.b64decode(result.files["out.bin"] or "") == EVERY_BYTE[::-1]


def test_binary_files_survive_json() -> None:
    job = RunJob(source="", binary_files={"every.bin": EVERY_BYTE})
    assert TypeAdapter(Job).validate_json(job.model_dump_json()) == job


@pytest.mark.parametrize("name", ["/etc/passwd", "../escape.bin", "a/../../b", "", "main.py", ".cache/x"])
def test_binary_file_paths_stay_inside_the_work_dir(name: str) -> None:
    with pytest.raises(ValidationError, match="binary_files"):
        RunJob(source="", binary_files={name: b"\x00"})


def test_a_path_has_one_content() -> None:
    with pytest.raises(ValidationError, match="in both files and binary_files"):
        RunJob(source="", files={"a": "x"}, binary_files={"a": b"x"})
