"""The one train / held-out split of task ids: a stable hash, the same on every machine, run and path.

The shipped generated suite (tasks/data/generated-*.jsonl) and the held-out figures were made with it at 20%:
changing the hash moves tasks between splits.
"""

from __future__ import annotations

import hashlib
from typing import Literal

SplitName = Literal["train", "heldout"]

HELDOUT_PERCENT = 20
"""The default share of held-out ids (the generated suite's)."""


def split_of(task_id: str, heldout_percent: int = HELDOUT_PERCENT) -> SplitName:
    """Held out when the id's bucket (of 100, from its SHA-256) is below `heldout_percent`."""
    if not 0 <= heldout_percent <= 100:
        raise ValueError(f"heldout_percent must be within 0..100, got {heldout_percent}")
    bucket = int.from_bytes(hashlib.sha256(task_id.encode()).digest()[:8], "big") % 100
    return "heldout" if bucket < heldout_percent else "train"
