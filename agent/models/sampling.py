"""Sampling presets per model family, as their model cards recommend.

Override a preset with `preset_for(name).model_copy(update={...})`: for families that must never be sampled
greedily (QwQ), the copy is checked again, so an override with temperature 0 fails early and clearly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import model_validator

from agent.models.base import Sampling

GREEDY_REFUSED = (
    "QwQ must not be decoded greedily (temperature 0): it repeats itself endlessly; "
    "sample with temperature 0.6, top_p 0.95 as its model card says"
)


class NonGreedySampling(Sampling):
    """Sampling for a model whose card forbids greedy decoding."""

    @model_validator(mode="after")
    def _not_greedy(self) -> Self:
        if self.temperature <= 0:
            raise ValueError(GREEDY_REFUSED)
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        # pydantic's model_copy skips validation: check the one rule here, with a plain one-line ValueError.
        if update and float(update.get("temperature", self.temperature)) <= 0:
            raise ValueError(GREEDY_REFUSED)
        return super().model_copy(update=update, deep=deep)


def preset_for(model_name: str) -> Sampling:
    """The recommended sampling of the model's family, recognised from its name or path."""
    name = model_name.lower().replace("_", "-")
    if "qwq" in name:
        return NonGreedySampling(temperature=0.6, top_p=0.95, top_k=40)
    if "deepseek-r1" in name:
        # The R1 card gives temperature and top_p only: no top-k cut.
        return Sampling(temperature=0.6, top_p=0.95, top_k=0)
    if "qwen2.5-coder" in name and "instruct" in name:
        return Sampling(temperature=0.7, top_p=0.8, top_k=20)
    if "smollm2" in name:
        return Sampling(temperature=0.2, top_p=0.9, top_k=50)
    return Sampling(temperature=0.6, top_p=0.95, top_k=40)


def check_sampling(model_name: str, sampling: Sampling) -> None:
    """Refuse greedy decoding for a family that must never be greedy, however `sampling` was built."""
    if sampling.temperature <= 0 and isinstance(preset_for(model_name), NonGreedySampling):
        raise ValueError(GREEDY_REFUSED)
