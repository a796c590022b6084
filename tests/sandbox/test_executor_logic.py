"""The executor's verdict logic, run in the host: plain-value encoding, judging, assert rewriting."""

from __future__ import annotations

import collections
import json
import math
from typing import Any

import pytest

from sandbox.image import executor


def roundtrip(value: object) -> object:
    return executor.decode_value(executor.encode_value(value))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -(2**80),
        1.5,
        -0.0,
        float("inf"),
        1 + 2j,
        "text",
        b"\x00\xff",
        [1, [2, (3, 4)]],
        (1,),
        {1, 2},
        frozenset({"a"}),
        {(1, 2): {"k": [None]}},
    ],
)
def test_plain_values_survive_the_round_trip_exactly(value: object) -> None:
    back = roundtrip(value)
    assert back == value
    assert type(back) is type(value)


def test_nan_survives_as_nan() -> None:
    back = roundtrip(float("nan"))
    assert isinstance(back, float)
    assert math.isnan(back)


def test_an_object_with_a_lying_eq_is_not_a_plain_value() -> None:
    class AlwaysEqual:
        def __eq__(self, other: object) -> bool:
            return True

    with pytest.raises(TypeError, match="AlwaysEqual is not a plain built-in value"):
        executor.encode_value(AlwaysEqual())


def test_a_builtin_subclass_loses_its_overrides() -> None:
    class LyingInt(int):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = int.__hash__

    encoded = executor.encode_value(LyingInt(3))
    assert executor.decode_value(encoded) == 3
    assert not executor.judge(("cmp", ("==",), (("slot", 0), ("const", 4))), [{"v": encoded}])


def test_collections_types_compare_as_their_builtin_base() -> None:
    counted = roundtrip(collections.Counter("aab"))
    assert counted == {"a": 2, "b": 1}
    assert type(counted) is dict
    assert roundtrip(collections.deque([1, 2])) == [1, 2]


def observed(*values: object) -> list[object]:
    return [{"v": executor.encode_value(value)} for value in values]


def test_judge_evaluates_comparisons_chains_and_boolean_structure() -> None:
    def cmp(op: str, left: object, right: object) -> executor.Node:
        return ("cmp", (op,), (("slot", 0), ("const", right)))

    assert executor.judge(cmp("==", None, [1, 2]), observed([1, 2]))
    assert not executor.judge(cmp("==", None, [1, 2]), observed((1, 2)))
    chain = ("cmp", ("<", "<="), (("const", 1), ("slot", 0), ("slot", 1)))
    assert executor.judge(chain, observed(2, 2))
    assert not executor.judge(("not", cmp("in", None, [3])), observed(3))
    either = ("or", (cmp("==", None, 2), ("cmp", ("is",), (("slot", 1), ("const", None)))))
    assert executor.judge(either, observed(1, None))
    both = ("and", (cmp("==", None, 1), ("val", ("slot", 1))))
    assert not executor.judge(both, observed(1, []))


def test_the_judge_reads_only_the_operands_python_would_have_needed() -> None:
    either = ("or", (("cmp", ("==",), (("slot", 0), ("const", 1))), ("val", ("slot", 1))))
    skipped = [*observed(1), {"x": "ZeroDivisionError: division by zero"}]
    assert executor.judge(either, skipped)  # the or held on its first part: the second's error is not needed
    chain = ("cmp", ("<", "<"), (("const", 0), ("slot", 0), ("slot", 1)))
    assert not executor.judge(chain, [*observed(-1), None])  # the chain stopped at its first false link
    with pytest.raises(executor.OperandRaised, match="ZeroDivisionError"):
        executor.judge(either, [*observed(2), {"x": "ZeroDivisionError: division by zero"}])
    with pytest.raises(executor.Unfit):
        executor.judge(either, [*observed(2), None])  # needed, yet the child says it never ran


def child_plan(test_code: str) -> tuple[executor.TestPlan, list[tuple[Any, ...]]]:
    """The plan, and what the child's code passes to the recorder for each executed assert."""
    plan = executor.TestPlan(test_code)
    calls: list[tuple[Any, ...]] = []
    exec(plan.code, {"__sandloop_assert__": lambda *args: calls.append(args), "f": lambda x: x})
    return plan, calls


def constants_in(value: object) -> list[object]:
    """Every constant reachable from the child's call arguments (thunk code included), flattened."""
    if isinstance(value, tuple | list):
        return [item for part in value for item in constants_in(part)]
    code = getattr(value, "__code__", None)
    if code is not None:
        return constants_in(code.co_consts) + list(code.co_names)
    if hasattr(value, "co_consts"):
        return constants_in(value.co_consts)
    return [value]


def test_the_childs_code_holds_no_constant_operand_and_no_assert_shape() -> None:
    plan, calls = child_plan(
        "assert f(3) == 987654\n"
        "assert not f(0)\n"
        "assert f('x') in ('secret-a', 'secret-b')\n"
        "assert -12345 < f(2) <= 4.25e7\n"
        "assert [f(1), 2] == [1, 24680]\n"
    )
    assert [count for count in plan.slot_counts] == [1, 1, 1, 1, 1]
    seen = constants_in(calls) + constants_in(plan.code.co_consts)
    for secret in (987654, "secret-a", "secret-b", -12345, 12345, 4.25e7, 24680, "not", "==", "in", "<="):
        assert secret not in seen, secret
    assert plan.judging[1] == ("not", ("val", ("slot", 0)))  # the not lives here only
    assert plan.judging[2][2][1] == ("const", ("secret-a", "secret-b"))


def test_a_plain_and_a_negated_boolean_assert_look_the_same_to_the_child() -> None:
    _, calls = child_plan("assert f(True)\nassert not f(False)\nassert f(True) == True\n")
    shapes = [(len(thunks), [thunk.__code__.co_code for thunk in thunks]) for _, thunks in calls]
    assert shapes[0] == shapes[1] == shapes[2]
    assert [len(args) for args in calls] == [2, 2, 2]  # no gates: nothing else passed


def test_and_or_stay_lazy_where_the_child_can_decide() -> None:
    ran: list[int] = []

    def probe(x: int) -> int:
        ran.append(x)
        return x

    plan = executor.TestPlan(
        "assert probe(0) and probe(1)\n"
        "assert probe(2) or probe(3)\n"
        "assert (probe(4) or probe(5)) and probe(6) == 6\n"
        "assert probe(7) == 7 or probe(8)\n"
    )
    slots: list[list[object]] = []
    record = lambda index, thunks, gates=(): slots.append(executor._observe(thunks, gates))  # noqa: E731
    exec(plan.code, {"__sandloop_assert__": record, "probe": probe})
    # probe(1) and probe(5) are skipped as in Python; probe(8) runs: the child cannot tell that 7 == 7
    assert ran == [0, 2, 4, 6, 7, 8]
    verdicts = [executor.judge(node, values) for node, values in zip(plan.judging, slots, strict=True)]
    assert verdicts == [False, True, True, True]


def test_every_assert_becomes_one_numbered_test() -> None:
    plan = executor.TestPlan(
        "import math\n"
        "def check(candidate):\n"
        "    assert candidate(1) == 2\n"
        "    for x in range(3):\n"
        "        assert abs(candidate(x) - x - 1) < 1e-6, 'message'\n"
        "assert True\n"
    )
    assert [(a["index"], a["line"]) for a in plan.asserts] == [(0, 3), (1, 5), (2, 6)]
    assert plan.asserts[1]["source"] == "abs(candidate(x) - x - 1) < 1e-6, 'message'"
    assert plan.imports == ["math"]


def results(*messages: dict[str, object], nonce: str = "secret") -> bytes:
    return b"".join(json.dumps({**message, "n": nonce}).encode() + b"\n" for message in messages)


def test_forged_result_lines_without_the_jobs_secret_count_for_nothing() -> None:
    plan = executor.TestPlan("assert f() == 1\n")
    forged = results({"e": "loaded"}, {"e": "obs", "i": 0, "s": observed(1)}, {"e": "done"}, nonce="guess")
    summary = executor.summarise_tests(plan, forged, nonce="the-real-secret")
    assert not summary["loaded"]
    assert not summary["completed"]
    assert summary["asserts"][0]["executions"] == 0


@pytest.mark.parametrize(
    "observation",
    [
        {"t": {"k": "val", "v": True}},  # the old format: the child chose the shape
        {"s": []},  # too few values
        {"s": [*observed(True), *observed(True)]},  # too many
        {"s": [None]},  # needed, never evaluated
        {"s": [{"v": True, "x": "both"}]},
        {"s": [{"k": "val"}]},
        {"s": "yes"},
        {"s": observed(True)},  # the right shape, a guessed value: judged against 6 here
    ],
)
def test_an_observation_that_does_not_fit_is_a_failed_check(observation: dict[str, object]) -> None:
    plan = executor.TestPlan("assert double(3) == 6\n")
    sent = results({"e": "loaded"}, {"e": "obs", "i": 0, **observation}, {"e": "done"})
    summary = executor.summarise_tests(plan, sent, nonce="secret")
    entry = summary["asserts"][0]
    assert entry["executions"] == 1 and entry["failures"] == 1, entry


@pytest.mark.parametrize(
    "lines",
    [
        # an observation of an assert the tests do not have
        results(
            {"e": "loaded"},
            {"e": "obs", "i": 0, "s": observed(6)},
            {"e": "obs", "i": 7, "s": []},
            {"e": "done"},
        ),
        # a failure hidden by a partial line written before it: the joined line is not the harness's
        results({"e": "loaded"}, {"e": "obs", "i": 0, "s": observed(6)})
        + b'{"junk'
        + results({"e": "obs", "i": 0, "s": observed(5)}, {"e": "done"}),
        # a second done, observations before loaded or after done
        results({"e": "loaded"}, {"e": "obs", "i": 0, "s": observed(6)}, {"e": "done"}, {"e": "done"}),
        results({"e": "obs", "i": 0, "s": observed(6)}, {"e": "loaded"}, {"e": "done"}),
        results({"e": "loaded"}, {"e": "done"}, {"e": "obs", "i": 0, "s": observed(6)}),
        # a line with another secret among the harness's
        results({"e": "loaded"}, {"e": "obs", "i": 0, "s": observed(6)}) + results({"e": "done"}, nonce="x"),
    ],
)
def test_a_results_stream_the_harness_did_not_write_fails_the_run(lines: bytes) -> None:
    plan = executor.TestPlan("assert double(3) == 6\n")
    summary = executor.summarise_tests(plan, lines, nonce="secret")
    assert not summary["completed"]
    assert summary["fatal"]


def test_a_passing_observation_after_a_failed_one_does_not_undo_the_failure() -> None:
    plan = executor.TestPlan("for x in range(2):\n    assert double(x) == 2\n")
    sent = results(
        {"e": "loaded"},
        {"e": "obs", "i": 0, "s": observed(0)},
        {"e": "obs", "i": 0, "s": observed(2)},
        {"e": "obs", "i": 0, "s": observed(2)},
        {"e": "done"},
    )
    entry = executor.summarise_tests(plan, sent, nonce="secret")["asserts"][0]
    assert (entry["executions"], entry["failures"]) == (3, 1)
    assert entry["detail"] == "assertion failed: 0 == 2"


def test_an_honest_stream_passes_and_a_torn_last_line_is_ignored() -> None:
    plan = executor.TestPlan("for x in range(2):\n    assert double(x) == 2 * x\nassert double(3) == 6\n")
    sent = results(
        {"e": "loaded"},
        {"e": "obs", "i": 0, "s": observed(0, 0)},
        {"e": "obs", "i": 0, "s": observed(2, 2)},
        {"e": "obs", "i": 1, "s": observed(6)},
        {"e": "done"},
    )
    summary = executor.summarise_tests(plan, sent + b'{"e":"ob', nonce="secret")
    assert summary["completed"] and summary["fatal"] is None
    assert [(a["executions"], a["failures"]) for a in summary["asserts"]] == [(2, 0), (1, 0)]


def test_a_failed_comparison_explains_what_it_saw() -> None:
    node = ("cmp", ("==",), (("slot", 0), ("const", [2])))
    assert executor.explain(node, observed([1])) == "assertion failed: [1] == [2]"
    plan = executor.TestPlan("assert double(2) == 5\n")
    sent = results({"e": "loaded"}, {"e": "obs", "i": 0, "s": observed(4)}, {"e": "done"})
    assert executor.summarise_tests(plan, sent, nonce="secret")["asserts"][0]["detail"] == (
        "assertion failed: 4 == 5"
    )


def test_the_plan_cache_gives_back_the_same_plan_and_keeps_only_sealed_secrets() -> None:
    tests = [f"assert double({x}) == {2 * x}\n" for x in range(executor.PLAN_CACHE_SIZE + 3)]
    first = executor.test_plan(tests[0])
    again = executor.test_plan(tests[0])
    assert again.code is first.code
    assert (again.asserts, again.judging, again.slot_counts) == (
        first.asserts,
        first.judging,
        first.slot_counts,
    )
    for test_code in tests:  # past the cache's size: the oldest are dropped, the vault compacted
        executor.test_plan(test_code)
    for test_code in reversed(tests[-5:]):
        plan = executor.test_plan(test_code)
        assert plan.judging == executor.TestPlan(test_code).judging
    assert len(executor._plans) == executor.PLAN_CACHE_SIZE
    # what stays reachable in a child once the vault is emptied: code with the inputs, never the outputs
    last = len(tests) - 1
    for code, imports, _, _ in executor._plans.values():
        assert 2 * last not in constants_in(code.co_consts) and imports == []
    assert last in constants_in(executor.test_plan(tests[-1]).code.co_consts)
