"""Mean and spread of one figure over training seeds: what a multi-seed bench prints beside its per-seed rows."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict


class Spread(BaseModel):
    """One figure over seeds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seeds: int
    """How many values (one per seed)."""
    mean: float
    """Their mean."""
    std: float
    """Sample standard deviation (n-1 in the denominator); 0 for a single seed."""
    low: float
    """The smallest value."""
    high: float
    """The largest value."""

    def label(self, digits: int = 3, *, signed: bool = True) -> str:
        """`mean ± std (min..max)`: the form the benches print (signed: a gain; unsigned: a rate)."""
        sign = "+" if signed else ""
        return (
            f"{self.mean:{sign}.{digits}f} ± {self.std:.{digits}f} "
            f"({self.low:{sign}.{digits}f}..{self.high:{sign}.{digits}f})"
        )


def spread(values: Sequence[float]) -> Spread:
    """Mean, sample std and range of `values`; an empty sequence is a programming error."""
    if not values:
        raise ValueError("spread of no values: run at least one seed")
    count = len(values)
    mean = sum(values) / count
    variance = sum((v - mean) ** 2 for v in values) / (count - 1) if count > 1 else 0.0
    return Spread(seeds=count, mean=mean, std=math.sqrt(variance), low=min(values), high=max(values))
