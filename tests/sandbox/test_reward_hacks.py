"""Fake passes: every early-exit and cheating trick peers' graders fell for must grade as not passed.

Each cheat is a real program graded on real tests in a container; an honest solution passes the same tests.
"""

from __future__ import annotations

import pytest

from sandbox import SandboxPool, TestJob
from tests.support.hacks import CHEATS, HONEST, TESTS

pytestmark = pytest.mark.docker


def test_the_honest_solution_passes(pool: SandboxPool) -> None:
    result = pool.run(TestJob(source=HONEST, tests=TESTS, entry_point="square"))
    assert result.status == "passed", result
    assert result.pass_fraction == 1.0


@pytest.mark.parametrize("name", list(CHEATS))
def test_a_cheat_never_passes(pool: SandboxPool, name: str) -> None:
    result = pool.run(TestJob(source=CHEATS[name], tests=TESTS, entry_point="square"))
    assert result.status in {"failed", "error"}, f"{name}: {result}"
    assert result.pass_fraction < 1.0
    assert not all(verdict.passed for verdict in result.tests)
