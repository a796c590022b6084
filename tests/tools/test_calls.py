"""The agent's tools over a real sandbox: typed arguments, files that persist, bounded feedback."""

from __future__ import annotations

import pytest

from sandbox import Limits, SandboxPool
from tasks.spec import TaskSpec, TestSet
from tools import ToolContext, call_tool, tool_schemas
from tools.feedback import head_and_tail


def handle_for(pool: SandboxPool, public: str | None = "assert double(2) == 4\n") -> ToolContext:
    task = TaskSpec(
        id="toy/double",
        suite="toy",
        prompt="double(x) returns 2x",
        kind="function",
        entry_point="double",
        public_tests=TestSet(code=public or "pass"),
        hidden_tests=TestSet(code="assert double(5) == 10\n"),
        time_limit_s=5,
    )
    if public is None:  # a problem without public tests
        task = task.model_copy(update={"public_tests": TestSet(code="")})
    return ToolContext(pool=pool, task=task, limits=Limits(timeout_s=5), feedback_chars=400)


def test_schemas_name_every_tool_with_its_arguments() -> None:
    schemas = {s["function"]["name"]: s["function"] for s in tool_schemas()}
    assert set(schemas) == {"run_python", "run_tests", "write_file", "read_file", "submit"}
    assert schemas["run_python"]["parameters"]["required"] == ["code"]
    assert "public tests" in schemas["run_tests"]["description"]


def test_bad_calls_come_back_as_messages() -> None:
    handle = ToolContext(pool=None, task=None, limits=Limits())  # type: ignore[arg-type]  # never reached
    assert call_tool(handle, {}, "rm_rf", {}).content.startswith("unknown tool 'rm_rf'")
    bad = call_tool(handle, {}, "write_file", {"path": "../etc/passwd", "content": "x"})
    assert not bad.ok
    assert "must be relative and inside the work dir" in bad.content
    missing = call_tool(handle, {"a.py": "x"}, "read_file", {"path": "b.py"})
    assert missing.content == "no file 'b.py' (files: a.py)"


@pytest.mark.docker
def test_written_files_are_there_for_later_runs(pool: SandboxPool) -> None:
    handle = handle_for(pool)
    written = call_tool(handle, {}, "write_file", {"path": "util.py", "content": "K = 2\n"})
    ran = call_tool(handle, written.files, "run_python", {"code": "from util import K\nprint(K * 21)"})
    assert "status: passed" in ran.content
    assert "42" in ran.content
    assert call_tool(handle, written.files, "read_file", {"path": "util.py"}).content == "K = 2\n"


@pytest.mark.docker
def test_run_tests_uses_the_public_tests(pool: SandboxPool) -> None:
    handle = handle_for(pool)
    good = call_tool(handle, {}, "run_tests", {"code": "def double(x):\n    return 2 * x\n"})
    assert good.tests_passed
    bad = call_tool(handle, {}, "run_tests", {"code": "def double(x):\n    return x\n"})
    assert not bad.tests_passed
    assert "tests: 0/1 passed" in bad.content
    assert "assertion failed: 2 == 4" in bad.content


@pytest.mark.docker
def test_without_public_tests_the_agents_own_asserts_decide(pool: SandboxPool) -> None:
    handle = handle_for(pool, public=None)
    own = call_tool(
        handle,
        {},
        "run_tests",
        {"code": "def double(x):\n    return 2 * x\n", "tests": "assert double(3) == 6"},
    )
    assert own.tests_passed
    inline = call_tool(
        handle, {}, "run_tests", {"code": "def double(x):\n    return x\nassert double(3) == 6\n"}
    )
    assert not inline.tests_passed


@pytest.mark.docker
def test_long_output_is_cut_to_head_and_tail(pool: SandboxPool) -> None:
    ran = call_tool(
        handle_for(pool), {}, "run_python", {"code": "for i in range(1000):\n    print('line', i)"}
    )
    assert "line 0" in ran.content
    assert "line 999" in ran.content
    assert "characters cut" in ran.content
    assert len(ran.content) < 800


def test_head_and_tail_says_what_it_cut() -> None:
    assert head_and_tail("abcdefghij", 4) == "ab\n[... 6 characters cut ...]\nij"
    assert head_and_tail("short", 10) == "short"


@pytest.mark.docker
def test_an_empty_run_says_so(pool: SandboxPool) -> None:
    assert "(no output)" in call_tool(handle_for(pool), {}, "run_python", {"code": "x = 1"}).content
