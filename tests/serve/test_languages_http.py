"""C++ (and every other language) through `sandloop serve --languages all`, driven by the sandbox-fusion SDK."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import docker
import httpx
import pytest
from sandbox_fusion import RunCodeRequest, RunStatus, SubmitRequest, TestConfig, run_code, submit

from tests.support.languages import PROGRAMS
from tests.support.server_process import ServerProcess

pytestmark = [pytest.mark.docker, pytest.mark.slow]
SERVED = ("cpp", "java", "go", "rust", "nodejs", "bash")
"""SandboxFusion's names for sandloop's languages (sandloop's `c` has none)."""


@pytest.fixture(scope="module")
def languages_url(docker_client: docker.DockerClient, all_languages_image: str) -> Iterator[str]:
    process = ServerProcess("--workers", "2", "--languages", "all")
    yield process.url
    code = process.stop()
    process.assert_released(docker_client)
    assert code in (0, -15), process.output()


@pytest.mark.parametrize("language", SERVED)
def test_run_code_in_each_language(languages_url: str, language: str) -> None:
    request = RunCodeRequest(
        code=PROGRAMS[language].adds, language=language, stdin="2 40\n", compile_timeout=60
    )
    answer = run_code(request, endpoint=languages_url)
    assert answer.status == RunStatus.Success, answer
    assert answer.run_result is not None and answer.run_result.stdout == "42\n"
    assert (answer.compile_result is not None) == (language in ("cpp", "java", "go", "rust"))


def test_a_cpp_compile_error_as_sandboxfusion_reports_it(languages_url: str) -> None:
    request = RunCodeRequest(code=PROGRAMS["cpp"].broken, language="cpp", compile_timeout=60)
    answer = run_code(request, endpoint=languages_url)
    assert answer.status == RunStatus.Failed
    assert answer.run_result is None, "nothing ran"
    assert answer.compile_result is not None and answer.compile_result.return_code not in (0, None)
    assert "undeclared_name" in (answer.compile_result.stderr or "")


def test_a_cpp_runtime_error_and_timeout(languages_url: str) -> None:
    crash = run_code(
        RunCodeRequest(code=PROGRAMS["cpp"].crashes, language="cpp", compile_timeout=60),
        endpoint=languages_url,
    )
    assert crash.status == RunStatus.Failed and crash.run_result is not None
    assert crash.run_result.return_code != 0 and crash.compile_result is not None
    spin = RunCodeRequest(code=PROGRAMS["cpp"].spins, language="cpp", compile_timeout=60, run_timeout=1)
    timed_out = run_code(spin, endpoint=languages_url)
    assert timed_out.status == RunStatus.Failed and timed_out.run_result is not None
    assert timed_out.run_result.status == "TimeLimitExceeded" and timed_out.run_result.return_code is None


def cpp_submission(code: str) -> SubmitRequest:
    problem: dict[str, Any] = {
        "id": "add",
        "content": "Print a + b.",
        "labels": {},
        "test": [
            {"input": {"stdin": "1 2\n"}, "output": {"stdout": "3\n"}},
            {"input": {"stdin": "40 2\n"}, "output": {"stdout": "42"}},
        ],
    }
    config = TestConfig(
        dataset_type="CommonOJDataset", language="cpp", provided_data=problem, compile_timeout=60
    )
    return SubmitRequest(dataset="mine", id="add", completion=f"```cpp\n{code}```", config=config)


def test_cpp_submissions_right_and_wrong(languages_url: str) -> None:
    right = submit(cpp_submission(PROGRAMS["cpp"].adds), endpoint=languages_url)
    assert right.accepted and len(right.tests) == 2, right
    wrong = submit(cpp_submission(PROGRAMS["cpp"].off_by_one), endpoint=languages_url)
    assert not wrong.accepted and len(wrong.tests) == 1
    broken = submit(cpp_submission(PROGRAMS["cpp"].broken), endpoint=languages_url)
    assert not broken.accepted and broken.tests[0].exec_info.run_result is None


def test_a_language_this_server_does_not_run_is_a_422(url: str, languages_url: str) -> None:
    """The Python-only server refuses cpp as SandboxFusion refuses a language it does not know."""
    answer = httpx.post(f"{url}/run_code", json={"code": PROGRAMS["cpp"].adds, "language": "cpp"})
    assert answer.status_code == 422 and "--languages cpp" in answer.text
    (error,) = answer.json()["detail"]
    assert (error["type"], error["loc"], error["input"]) == ("literal_error", ["body", "language"], "cpp")
    unknown = httpx.post(f"{languages_url}/run_code", json={"code": "print(1)", "language": "cobol"})
    assert unknown.status_code == 422


def test_memory_limit_mb_picks_containers_of_that_memory(languages_url: str) -> None:
    hog = {"code": "data = b'x' * (400 * 2**20)\n", "language": "python", "memory_limit_MB": 256}
    answer = httpx.post(f"{languages_url}/run_code", json=hog, timeout=120).json()
    assert answer["status"] == "Failed" and answer["run_result"]["return_code"] == -9, answer
    assert "memory limit" in answer["run_result"]["stderr"]
    fits = {**hog, "memory_limit_MB": 1024}
    assert httpx.post(f"{languages_url}/run_code", json=fits, timeout=120).json()["status"] == "Success"
    java = {"code": PROGRAMS["java"].adds, "language": "java", "stdin": "1 2", "memory_limit_MB": 256}
    answer = httpx.post(f"{languages_url}/run_code", json={**java, "compile_timeout": 60}, timeout=120).json()
    assert answer["status"] == "Success" and answer["run_result"]["stdout"] == "3\n", answer
    too_big = httpx.post(f"{languages_url}/run_code", json={**hog, "memory_limit_MB": 10**6})
    assert too_big.status_code == 400 and "memory_limit_MB" in too_big.text


def test_files_in_and_fetch_files_out_through_the_sdk(languages_url: str) -> None:
    source = (
        '#include <fstream>\n#include <string>\nint main(){ std::ifstream in("data/in.txt"); std::string s;'
        ' std::getline(in, s); std::ofstream("out.txt") << s << "!"; }\n'
    )
    files = {"data/in.txt": base64.b64encode(b"hi").decode()}
    outside = {"code": source, "language": "cpp", "files": files, "fetch_files": ["../../etc/passwd"]}
    answer = httpx.post(f"{languages_url}/run_code", json=outside, timeout=120)
    assert answer.status_code == 400 and "fetch_files" in answer.text  # a path out of the work dir
    request = RunCodeRequest(
        code=source, language="cpp", compile_timeout=60, files=files, fetch_files=["out.txt"]
    )
    fetched = run_code(request, endpoint=languages_url)
    assert fetched.status == RunStatus.Success, fetched
    assert base64.b64decode(fetched.files["out.txt"]) == b"hi!"
