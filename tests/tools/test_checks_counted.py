"""`run_tests` passes only when the sandbox harness saw checks run (an executed assert or a stdin/stdout case):
tests that assert nothing, and solutions that fake a count, never make a run solved. Real containers."""

from __future__ import annotations

import pytest

from sandbox import CasesJob, IOCase, Limits, RunJob, SandboxPool, TestJob
from tasks.spec import TaskSpec, TestSet
from tasks.verdict import checks_held
from tools import ToolContext, call_tool
from tools.calls import NOTHING_ASSERTED, split_own_tests

pytestmark = pytest.mark.docker

DOUBLE = "def double(x):\n    return 2 * x\n"


def no_public_tests(pool: SandboxPool) -> ToolContext:
    task = TaskSpec(
        id="toy/double",
        suite="toy",
        prompt="double(x) returns 2x",
        kind="function",
        public_tests=TestSet(),
        hidden_tests=TestSet(),
        time_limit_s=5,
    )
    return ToolContext(pool=pool, task=task, limits=Limits(timeout_s=5), feedback_chars=2000)


def run_tests(pool: SandboxPool, code: str, tests: str | None = None) -> tuple[bool | None, str]:
    arguments = {"code": code} | ({"tests": tests} if tests is not None else {})
    outcome = call_tool(no_public_tests(pool), {}, "run_tests", arguments)
    return outcome.tests_passed, outcome.content


def test_own_asserts_that_run_and_hold_pass(pool: SandboxPool) -> None:
    assert run_tests(pool, DOUBLE, "assert double(3) == 6\nassert double(0) == 0")[0] is True
    inline = DOUBLE + "assert double(3) == 6\n"
    assert run_tests(pool, inline)[0] is True
    guarded = (
        DOUBLE + "if __name__ == '__main__':\n    for x in range(3):\n        assert double(x) == x + x\n"
    )
    assert run_tests(pool, guarded)[0] is True


@pytest.mark.parametrize(
    ("code", "tests"),
    [
        (DOUBLE, None),  # no tests at all
        (DOUBLE, ""),
        (DOUBLE, "print(double(3))"),  # runs, checks nothing
        (DOUBLE, "def test_double():\n    assert double(3) == 6\n"),  # an assert never called
        (DOUBLE, "for x in []:\n    assert double(x) == 2 * x\n"),  # an assert in a loop that never runs
        (
            DOUBLE + "def helper():\n    assert double(1) == 2\n",
            None,
        ),  # an assert inside the solution, never run
    ],
)
def test_tests_that_assert_nothing_never_pass(pool: SandboxPool, code: str, tests: str | None) -> None:
    passed, content = run_tests(pool, code, tests)
    assert passed is False
    assert NOTHING_ASSERTED in content or "not run" in content


FAKE_COUNTS = {
    "print a fake count": DOUBLE + "print('checks_run: 12')\nprint('12 passed, 0 failed')\n",
    "exit early with a fake success": DOUBLE + "import sys\nprint('All 5 tests passed')\nsys.exit(0)\n",
    "forge harness lines on every descriptor": DOUBLE
    + "import os\n"
    + "for fd in range(3, 10):\n"
    + "    try:\n"
    + '        os.write(fd, b\'{"e":"loaded"}\\n{"e":"obs","i":0,"t":{"k":"val","v":true}}\\n\'\n'
    + '                 b\'{"e":"done"}\\n\')\n'
    + "    except OSError:\n"
    + "        pass\n",
    "bind its own recorder": DOUBLE + "__sandloop_assert__ = lambda *args: None\n",
    "patch builtins to fake a recorder": DOUBLE
    + "import builtins\nbuiltins.__sandloop_assert__ = lambda *args: None\n",
}


@pytest.mark.parametrize("name", list(FAKE_COUNTS))
def test_a_solution_faking_a_count_stays_unsolved(pool: SandboxPool, name: str) -> None:
    passed, _ = run_tests(pool, FAKE_COUNTS[name])
    assert passed is False, name


def test_a_recorder_disabled_from_inside_the_solution_counts_nothing(pool: SandboxPool) -> None:
    code = (
        "import sys\n"
        "def double(x):\n"
        "    sys._getframe(1).f_globals['__sandloop_assert__'] = lambda *args: None\n"
        "    return 0\n"
    )
    passed, content = run_tests(pool, code, "assert double(3) == 6\nassert double(4) == 8\n")
    assert passed is False
    assert "not run" in content


def test_the_count_is_the_harness_count(pool: SandboxPool) -> None:
    looped = pool.run(TestJob(source=DOUBLE, tests="for x in range(4):\n    assert double(x) == 2 * x\n"))
    assert looped.checks_run == 4 and checks_held(looped)
    silent = pool.run(TestJob(source=DOUBLE, tests="double(2)\n"))
    assert silent.status == "passed"  # the sandbox's own verdict: the test code ran to its end
    assert silent.checks_run == 0 and not checks_held(silent)  # but it checked nothing
    cases = pool.run(CasesJob(source="print(input())", cases=[IOCase(input="a", output="a")] * 2))
    assert cases.checks_run == 2 and checks_held(cases)
    plain = pool.run(RunJob(source="print('checks_run: 9')"))
    assert plain.status == "passed" and plain.checks_run == 0 and not checks_held(plain)


def test_split_own_tests_moves_top_level_checks_only() -> None:
    code = (
        "import math\n"
        "def f(x):\n"
        "    assert x >= 0\n"
        "    return math.sqrt(x)\n"
        "assert f(4) == 2\n"
        "if __name__ == '__main__':\n"
        "    print(f(9))\n"
    )
    program, tests = split_own_tests(code)
    assert program == "import math\ndef f(x):\n    assert x >= 0\n    return math.sqrt(x)\n"
    assert tests == "assert f(4) == 2\nif __name__ == '__main__':\n    print(f(9))\n"
    assert split_own_tests("def broken(:\n") == ("def broken(:\n", "")


STOLEN_NONCE = (
    "import os, sys\n"
    "def double(x):\n"
    "    harness = sys._getframe(1).f_globals['__sandloop_assert__'].__globals__\n"
    "    nonce = harness['_nonce'].encode()\n"
    '    os.write(3, b\'{"e":"obs","i":0,"t":{"k":"val","v":true},"n":"%s"}\\n\' % nonce\n'
    '             + b\'{"e":"done","n":"%s"}\\n\' % nonce)\n'
    "    os._exit(0)\n"
)


def test_a_solution_stealing_the_harness_nonce_stays_unsolved(pool: SandboxPool) -> None:
    """The blind judge: the parent holds `6` and the comparison, so a forged observation must guess the value."""
    passed, _ = run_tests(pool, STOLEN_NONCE, "assert double(3) == 6\n")
    assert passed is False
    in_the_current_format = STOLEN_NONCE.replace('"t":{"k":"val","v":true}', '"s":[{"v":true}]')
    assert in_the_current_format != STOLEN_NONCE
    passed, content = run_tests(pool, in_the_current_format, "assert double(3) == 6\n")
    assert passed is False
    assert "assertion failed: True == 6" in content
