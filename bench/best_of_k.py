"""Best-of-k single-shot at a token budget: k replies of budget // k tokens, the first whose answer passes the
task's public tests is the answer (graded on the hidden tests, like every other sample)."""

from __future__ import annotations

from collections.abc import Sequence

from batch.sample_records import SampleRecord


def reply_budget(budget: int, parts: int) -> int:
    """Tokens each of `parts` replies (or agent steps) may generate so that together they stay within `budget`."""
    if parts < 1:
        raise ValueError(f"a budget is split into at least one part, got {parts}")
    if budget < parts:
        raise ValueError(f"a budget of {budget} tokens cannot give each of {parts} replies one token")
    return budget // parts


def best_of_k(replies: Sequence[SampleRecord], public_passed: Sequence[bool], sample: int) -> SampleRecord:
    """The answer of one best-of-k sample: the first reply whose answer passed the public tests, else the first
    reply (no better pick is known without the hidden tests). Its record as sample `sample`, its tokens those a
    sequential best-of-k generates: every reply up to and including the one chosen."""
    if not replies or len(replies) != len(public_passed):
        raise ValueError(
            f"best-of-k needs one public verdict per reply, got {len(replies)} replies "
            f"and {len(public_passed)} verdicts"
        )
    chosen = next((index for index, passed in enumerate(public_passed) if passed), None)
    spent = replies if chosen is None else replies[: chosen + 1]
    answer = replies[0 if chosen is None else chosen]
    return answer.model_copy(
        update={
            "sample": sample,
            "tokens": sum(reply.tokens for reply in spent),
            "seconds": round(sum(reply.seconds for reply in spent), 4),
        }
    )
