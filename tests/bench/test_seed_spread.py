"""The spread a multi-seed bench prints: sample std (n-1), range, and the printed form."""

from __future__ import annotations

import math

import pytest

from bench.seed_spread import spread


def test_two_seeds_give_the_sample_std_and_the_range() -> None:
    result = spread([0.10, 0.30])
    assert result.seeds == 2
    assert result.mean == pytest.approx(0.20)
    # n-1 denominator: sqrt(((-0.1)^2 + 0.1^2) / 1)
    assert result.std == pytest.approx(math.sqrt(0.02))
    assert (result.low, result.high) == (0.10, 0.30)


def test_three_seeds_match_the_statistics_module() -> None:
    import statistics

    values = [0.129, -0.015, 0.061]
    result = spread(values)
    assert result.mean == pytest.approx(statistics.mean(values))
    assert result.std == pytest.approx(statistics.stdev(values))


def test_one_seed_has_no_spread() -> None:
    result = spread([0.25])
    assert (result.std, result.low, result.high) == (0.0, 0.25, 0.25)


def test_no_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="no values"):
        spread([])


def test_the_label_shows_mean_std_and_range() -> None:
    assert spread([0.1, 0.3]).label(2) == "+0.20 ± 0.14 (+0.10..+0.30)"


def test_a_rate_is_labelled_without_signs() -> None:
    assert spread([0.5, 0.6]).label(2, signed=False) == "0.55 ± 0.07 (0.50..0.60)"
