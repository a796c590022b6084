"""The blind judge against programs that attack the harness from inside their own process: they call the
recorder with forged plans, steal the job's secret and forge observations, read the asserts' shape to learn
which boolean to return, and search their memory for the expected values. None may pass. Real containers."""

from __future__ import annotations

import pytest

from sandbox import SandboxPool, TestJob

pytestmark = pytest.mark.docker

HARNESS = (
    "import os, sys\n"
    "def harness():\n"
    "    frame = sys._getframe(1)\n"
    "    while '__sandloop_assert__' not in frame.f_globals:\n"
    "        frame = frame.f_back\n"
    "    recorder = frame.f_globals['__sandloop_assert__']\n"
    "    return recorder, recorder.__globals__\n"
    "def forge(*lines):\n"
    "    nonce = harness()[1]['_nonce']\n"
    "    os.write(3, b''.join(line.replace(b'NONCE', nonce.encode()) + b'\\n' for line in lines))\n"
)
"""What the attacks share: the recorder and the executor's globals found through the caller's frames, and
lines written to the results pipe with the stolen secret."""

DOUBLE_TESTS = "assert double(3) == 6\nassert double(4) == 8\n"

FORGED_PLANS = {
    "a truthy value for each assert": "recorder(0, (lambda: True,))\nrecorder(1, (lambda: True,))",
    "no operand values": "recorder(0, ())\nrecorder(1, ())",
    "more operand values than the assert has": "recorder(0, (int, int))\nrecorder(1, (int, int))",
    "the old plan shape, comparing two equal values": (
        "recorder(0, ('cmp', ('==',), lambda: (6, 6)))\nrecorder(1, ('cmp', ('==',), lambda: (8, 8)))"
    ),
    "a gate that skips the operand": (
        "gate = ((0, ('val', ('const', False)), True, 1),)\n"
        "recorder(0, (int,), gate)\n"
        "recorder(1, (int,), gate)"
    ),
    "an assert the tests do not have": "recorder(5, (lambda: True,))",
}


@pytest.mark.parametrize("name", list(FORGED_PLANS))
def test_calling_the_recorder_with_forged_plans_never_passes(pool: SandboxPool, name: str) -> None:
    body = "\n".join("        " + line for line in FORGED_PLANS[name].splitlines())
    source = (
        HARNESS + "def double(x):\n"
        "    recorder, _ = harness()\n"
        "    if x == 3:\n" + body + "\n"
        '        forge(b\'{"e":"done","n":"NONCE"}\')\n'
        "        os._exit(0)\n"
        "    return 0\n"
    )
    result = pool.run(TestJob(source=source, tests=DOUBLE_TESTS))
    assert result.status == "failed", (name, result)
    assert not all(verdict.passed for verdict in result.tests)


FORGED_LINES = {
    "a truthy value": b'{"e":"obs","i":%d,"s":[{"v":true}],"n":"NONCE"}',
    "a zero": b'{"e":"obs","i":%d,"s":[{"v":0}],"n":"NONCE"}',
    "the input back": b'{"e":"obs","i":%d,"s":[{"v":3}],"n":"NONCE"}',
    "the old shape, a comparison of equal values": (
        b'{"e":"obs","i":%d,"t":{"k":"cmp","ops":["=="],"v":[1,1]},"n":"NONCE"}'
    ),
    "the old shape, a true value": b'{"e":"obs","i":%d,"t":{"k":"val","v":true},"n":"NONCE"}',
    "an error instead of values": b'{"e":"obs","i":%d,"x":"none","n":"NONCE"}',
}


@pytest.mark.parametrize("name", list(FORGED_LINES))
def test_observations_forged_with_the_stolen_secret_never_pass(pool: SandboxPool, name: str) -> None:
    line = FORGED_LINES[name]
    source = (
        HARNESS + "def double(x):\n"
        f'    forge({line % 0!r}, {line % 1!r}, b\'{{"e":"done","n":"NONCE"}}\')\n'
        "    os._exit(0)\n"
    )
    result = pool.run(TestJob(source=source, tests=DOUBLE_TESTS))
    assert result.status == "failed", (name, result)
    assert not any(verdict.passed for verdict in result.tests[:2])


BOOLEAN_TESTS = "assert is_even(4)\nassert not is_even(7)\nassert is_even(10)\nassert not is_even(3)\n"
"""A task whose answers are booleans: only the `not` tells which one each assert wants."""

READS_THE_SHAPE = (
    "import sys\n"
    "def mentions_not(value, depth=0):\n"
    "    if type(value) is str:\n"
    "        return value == 'not' or value.startswith('not ')\n"
    "    if type(value) in (tuple, list) and depth < 8:\n"
    "        return any(mentions_not(item, depth + 1) for item in value)\n"
    "    if type(value) is dict and depth < 8:\n"
    "        return any(mentions_not(item, depth + 1) for item in value.values())\n"
    "    return False\n"
    "def is_even(x):\n"
    "    frame = sys._getframe(1)\n"
    "    for _ in range(3):  # the thunk, the recorder's helpers: where an assert's plan would be\n"
    "        if any(mentions_not(value) for value in frame.f_locals.values()):\n"
    "            return False\n"
    "        if mentions_not(frame.f_code.co_consts) or 'not' in frame.f_code.co_names:\n"
    "            return False\n"
    "        frame = frame.f_back\n"
    "    return True\n"
)


def test_a_boolean_task_cannot_read_which_value_an_assert_wants(pool: SandboxPool) -> None:
    honest = pool.run(TestJob(source="def is_even(x):\n    return x % 2 == 0\n", tests=BOOLEAN_TESTS))
    assert honest.status == "passed", honest
    result = pool.run(TestJob(source=READS_THE_SHAPE, tests=BOOLEAN_TESTS))
    assert result.status == "failed", result
    assert [verdict.passed for verdict in result.tests] == [True, False, True, False]


SECRET_TESTS = "assert secret(3) == 918273645\nassert secret(4) == 'expected-text-4'\n"

SEARCHES_MEMORY = (
    "import ast, gc, sys\n"
    "def flat(value, depth=0):\n"
    "    if type(value) in (tuple, list, set, frozenset) and depth < 6:\n"
    "        return [item for part in value for item in flat(part, depth + 1)]\n"
    "    if type(value) is dict and depth < 6:\n"
    "        return flat(list(value.keys()) + list(value.values()), depth + 1)\n"
    "    if hasattr(value, 'co_consts') and depth < 6:\n"
    "        return flat(value.co_consts, depth + 1)\n"
    "    if type(value).__name__ in ('TestPlan', 'module') and depth < 6:\n"
    "        return flat(vars(value), depth + 1)\n"
    "    return [value]\n"
    "def reachable():\n"
    "    frame = sys._getframe(2)\n"
    "    while frame is not None:\n"
    "        yield from flat(frame.f_code.co_consts)\n"
    "        yield from flat(frame.f_locals)\n"
    "        frame = frame.f_back\n"
    "    for found in gc.get_objects():\n"
    "        yield from flat(found)\n"
    "def looks_expected(value):\n"
    "    return (type(value) is int and value > 10**6) or (type(value) is str and value.startswith('expected-'))\n"
    "def secret(x):\n"
    "    needle = 'secret(%r) == ' % x\n"
    "    values = list(reachable())\n"
    "    for value in values:  # the test code's text, anywhere\n"
    "        if type(value) is str and needle in value:\n"
    "            return ast.literal_eval(value.split(needle, 1)[1].split('\\n')[0].strip())\n"
    "    for value in values:  # else the first constant that looks like an expected value\n"
    "        if looks_expected(value):\n"
    "            return value\n"
    "    return None\n"
)


def test_the_expected_values_are_not_in_the_candidates_process(pool: SandboxPool) -> None:
    result = pool.run(TestJob(source=SEARCHES_MEMORY, tests=SECRET_TESTS))
    assert result.status == "failed", result
    assert [verdict.passed for verdict in result.tests] == [False, False]
    detail = result.tests[0].detail or ""
    assert detail.endswith(" == 918273645") and detail != "assertion failed: 918273645 == 918273645", detail


def test_a_later_job_does_not_find_an_earlier_jobs_tests(solo_pool: SandboxPool) -> None:
    """The plan cache and the last answer of the same executor (pass@k grades many samples on one test code)
    are gone from the child too."""
    honest = "def secret(x):\n    return {3: 918273645, 4: 'expected-text-4'}[x]\n"
    assert solo_pool.run(TestJob(source=honest, tests=SECRET_TESTS)).status == "passed"
    result = solo_pool.run(TestJob(source=SEARCHES_MEMORY, tests=SECRET_TESTS))
    assert [verdict.passed for verdict in result.tests] == [False, False], result
