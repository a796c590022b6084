"""The unbiased pass@k estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on Code").

With n samples of a task of which c pass, pass@k = 1 - C(n-c, k) / C(n, k): the chance that k samples drawn
without replacement from the n hold at least one that passes. The binomials overflow floats for large n, so
it is computed as the paper's numerically stable product 1 - prod_{i=n-c+1}^{n} (1 - k/i).
"""

from __future__ import annotations

from collections.abc import Mapping


def pass_at_k(n: int, c: int, k: int) -> float:
    """pass@k of one task with `n` samples, `c` of them passing (needs 1 <= k <= n)."""
    if n < 1 or not 0 <= c <= n:
        raise ValueError(f"pass@k needs n >= 1 samples and 0 <= c <= n passing, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n, got n={n}")
    if n - c < k:  # every draw of k samples holds a passing one
        return 1.0
    missed = 1.0
    for i in range(n - c + 1, n + 1):
        missed *= 1.0 - k / i
    return 1.0 - missed


def pass_at_k_by_task(counts: Mapping[str, tuple[int, int]], k: int) -> dict[str, float]:
    """pass@k of every task given as `id -> (n, c)`; tasks with fewer than k samples have none."""
    return {task: pass_at_k(n, c, k) for task, (n, c) in counts.items() if n >= k}


def mean_pass_at_k(counts: Mapping[str, tuple[int, int]], k: int) -> float | None:
    """pass@k averaged over the tasks with at least k samples; None when no task has that many."""
    values = pass_at_k_by_task(counts, k)
    return sum(values.values()) / len(values) if values else None
