"""Seeds of the draws a seeded run makes: one rule for every sample of a task and every call of a solve.

A backend seeded the same way draws the same random numbers, whatever the prompt: two samples of a task with one
seed are the same sample, and a revision whose next-token distributions are close to its failing reply's (the
same problem, its own code in view) picks the same tokens again. So each draw gets a seed of its own, derived
from the run's seed and where the draw sits; the first draw of the first sample keeps the run's seed as given.
"""

from __future__ import annotations

import hashlib


def derived_seed(seed: int | None, *position: int) -> int | None:
    """The seed of the draw at `position` (e.g. sample index, then call number) of a run seeded `seed`: `seed`
    itself where every part is 0 (or when unseeded, None), else a 31-bit seed (every backend takes it)."""
    if seed is None or not any(position):
        return seed
    digest = hashlib.sha256(":".join(map(str, (seed, *position))).encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1
