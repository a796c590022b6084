"""The executor's verdict logic, run in the host: plain-value encoding, judging, assert rewriting."""

from __future__ import annotations

import collections
import math

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
    assert not executor.judge({"k": "cmp", "ops": ["=="], "v": [encoded, 4]})


def test_collections_types_compare_as_their_builtin_base() -> None:
    counted = roundtrip(collections.Counter("aab"))
    assert counted == {"a": 2, "b": 1}
    assert type(counted) is dict
    assert roundtrip(collections.deque([1, 2])) == [1, 2]


def test_judge_evaluates_comparisons_chains_and_boolean_structure() -> None:
    def cmp(op: str, left: object, right: object) -> dict[str, object]:
        return {"k": "cmp", "ops": [op], "v": [executor.encode_value(left), executor.encode_value(right)]}

    assert executor.judge(cmp("==", [1, 2], [1, 2]))
    assert not executor.judge(cmp("==", (1, 2), [1, 2]))
    assert executor.judge({"k": "cmp", "ops": ["<", "<="], "v": [1, 2, 2]})
    assert not executor.judge({"k": "not", "t": cmp("in", 3, [3])})
    assert executor.judge({"k": "or", "t": [cmp("==", 1, 2), cmp("is", None, None)]})
    assert not executor.judge({"k": "and", "t": [cmp("==", 1, 1), {"k": "val", "v": []}]})


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


def test_forged_result_lines_without_the_jobs_secret_count_for_nothing() -> None:
    plan = executor.TestPlan("assert f() == 1\n")
    forged = (
        b'{"e":"loaded","n":"guess"}\n{"e":"obs","i":0,"t":{"k":"val","v":true},"n":"guess"}\n{"e":"done"}\n'
    )
    summary = executor.summarise_tests(plan, forged, nonce="the-real-secret")
    assert not summary["loaded"]
    assert not summary["completed"]
    assert summary["asserts"][0]["executions"] == 0


def test_a_failed_comparison_explains_what_it_saw() -> None:
    tree = {"k": "cmp", "ops": ["=="], "v": [executor.encode_value([1]), executor.encode_value([2])]}
    assert executor.explain(tree) == "assertion failed: [1] == [2]"
