"""Every sandbox language on a real all-languages container: stdin/stdout, compile errors, crashes, time."""

from __future__ import annotations

import pytest

from sandbox import CasesJob, IOCase, Limits, RunJob, SandboxPool
from tests.support.languages import COMPILED, PROGRAMS

pytestmark = [pytest.mark.docker, pytest.mark.slow]
LANGUAGES = sorted(PROGRAMS)
QUICK = Limits(timeout_s=5, compile_timeout_s=60)


@pytest.mark.parametrize("language", LANGUAGES)
def test_hello_through_stdin_and_stdout(languages_pool: SandboxPool, language: str) -> None:
    result = languages_pool.run(
        RunJob(language=language, source=PROGRAMS[language].adds, stdin="2 40\n", limits=QUICK)
    )
    assert result.status == "passed", result
    assert result.stdout == "42\n"
    if language in COMPILED:
        assert result.compile is not None and result.compile.status == "passed"
    else:
        assert result.compile is None


@pytest.mark.parametrize("language", COMPILED)
def test_a_compile_error_is_reported_as_such(languages_pool: SandboxPool, language: str) -> None:
    result = languages_pool.run(RunJob(language=language, source=PROGRAMS[language].broken, limits=QUICK))
    assert result.status == "error"
    assert result.compile is not None and result.compile.status == "error"
    assert result.compile.exit_code not in (0, None)
    assert result.compile.stderr.strip(), "the compiler's messages are kept"
    assert result.message is not None and result.message.startswith("compile error: ")
    assert result.stdout == "" and result.exit_code is None, "nothing ran"


@pytest.mark.parametrize("language", ["nodejs", "bash"])
def test_a_syntax_error_in_an_interpreted_language_is_a_run_error(
    languages_pool: SandboxPool, language: str
) -> None:
    result = languages_pool.run(RunJob(language=language, source=PROGRAMS[language].broken, limits=QUICK))
    assert result.status == "error" and result.exit_code not in (0, None)
    assert result.compile is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_runtime_error(languages_pool: SandboxPool, language: str) -> None:
    result = languages_pool.run(RunJob(language=language, source=PROGRAMS[language].crashes, limits=QUICK))
    assert result.status == "error", result
    assert result.exit_code != 0
    if language in COMPILED:
        assert result.compile is not None and result.compile.status == "passed"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_timeout(languages_pool: SandboxPool, language: str) -> None:
    limits = Limits(timeout_s=1, compile_timeout_s=60)
    result = languages_pool.run(RunJob(language=language, source=PROGRAMS[language].spins, limits=limits))
    assert result.status == "timeout", result


@pytest.mark.parametrize("language", LANGUAGES)
def test_cases_compile_once_and_are_judged_in_the_host(languages_pool: SandboxPool, language: str) -> None:
    cases = [IOCase(input="1 2\n", output="3\n"), IOCase(input="-5 5\n", output="0\n")]
    right = languages_pool.run(
        CasesJob(language=language, source=PROGRAMS[language].adds, cases=cases, limits=QUICK)
    )
    assert right.status == "passed" and right.pass_fraction == 1.0, right
    wrong = CasesJob(
        language=language, source=PROGRAMS[language].off_by_one, cases=cases, limits=QUICK, fail_fast=True
    )
    result = languages_pool.run(wrong)
    assert result.status == "failed"
    assert [v.detail for v in result.tests][1] == "not run"


def test_a_job_in_a_language_the_image_lacks_is_refused(pool: SandboxPool) -> None:
    result = pool.run(RunJob(language="go", source=PROGRAMS["go"].adds))
    assert result.status == "infra_error"
    assert result.message is not None and "--languages go" in result.message


def test_a_build_is_not_left_for_the_next_program(languages_pool: SandboxPool) -> None:
    """A compiled program is kept only for the same program: the next job cannot read it."""
    languages_pool.run(RunJob(language="c", source=PROGRAMS["c"].adds, stdin="1 1"))
    probe = "ls -a /tmp; ls /tmp/build 2>&1 || true\n"
    for _ in range(2):  # on both containers
        result = languages_pool.run(RunJob(language="bash", source=probe))
        assert "main.c" not in result.stdout and "build" not in result.stdout.split()


def test_a_program_cannot_change_its_own_build_between_cases(languages_pool: SandboxPool) -> None:
    """The compiled program is root-owned and read-only: a case cannot rewrite what the next case runs."""
    source = (
        '#include <stdio.h>\nint main(){ FILE* f = fopen("/tmp/build/main", "w");'
        ' puts(f ? "rewrote" : "refused"); return 0; }\n'
    )
    cases = [IOCase(input="", output="refused\n"), IOCase(input="", output="refused\n")]
    result = languages_pool.run(CasesJob(language="c", source=source, cases=cases, fail_fast=True))
    assert result.status == "passed", result
