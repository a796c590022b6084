"""The local executor: every result handed back; an error stops the run."""

from __future__ import annotations

import pytest

from batch.workers import LocalExecutor, make_executor


def test_the_local_executor_returns_every_result() -> None:
    executor = make_executor("local", 3)
    assert sorted(executor.map_unordered(lambda x: x * x, list(range(20)))) == [x * x for x in range(20)]


@pytest.mark.parametrize("error", [ValueError("bug"), KeyboardInterrupt()])
def test_an_error_in_a_sample_stops_the_run_and_drops_samples_not_started(error: BaseException) -> None:
    started: list[int] = []

    def work(item: int) -> int:
        started.append(item)
        if item == 2:
            raise error
        return item

    results: list[int] = []
    with pytest.raises(type(error)):
        results.extend(LocalExecutor(1).map_unordered(work, list(range(50))))
    assert {0, 1} <= set(results) <= {0, 1, 3}
    assert len(started) <= 4  # two in flight per worker: at most one more started after the failing one
