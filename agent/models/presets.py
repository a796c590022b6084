"""Model presets by family, as their model cards recommend: the default of every command that generates.

A preset holds the sampling (temperature, top_p, top_k, min_p, presence penalty), the reply-token limit, whether
the chat template opens `<think>`, whether instructions go in a system message, the plan step and the wall-time
budget. The family is recognised from the model's name or path (`preset_for`), or named (`--preset NAME`);
every value can be overridden (`ModelPreset.with_overrides`). Families that must never be sampled greedily
(QwQ) refuse temperature 0 however the sampling was built (`check_sampling`, called by every backend).

Sources (model cards): QwQ-32B: temperature 0.6, top_p 0.95, min_p 0, top_k 20-40, presence penalty 0-2,
template opens `<think>`, 32768 output tokens. DeepSeek-R1-Distill: temperature 0.5-0.7 (0.6), top_p 0.95, no
system prompt (every instruction in the user message), template opens `<think>`, 32768 tokens. Qwen3 thinking
mode: temperature 0.6, top_p 0.95, top_k 20, min_p 0, presence penalty 0-2, 32768 tokens; the model writes
`<think>` itself. Qwen2.5-Coder-Instruct: temperature 0.7, top_p 0.8, top_k 20.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agent.models.base import Sampling
from agent.restart_policy import Restart

GREEDY_REFUSED = (
    "QwQ must not be decoded greedily (temperature 0): it repeats itself endlessly; "
    "sample with temperature 0.6, top_p 0.95 as its model card says"
)
REASONING_REPLY_TOKENS = 32768
"""Reply-token limit of the reasoning families (their cards' output length); the context window bounds it."""


class ModelPreset(BaseModel):
    """How to drive one model family: its card's sampling, reply limit, prompt shape, plan step and budget."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: str
    """The preset's name (`--preset NAME`); recorded in every trajectory and run config."""
    sampling: Sampling
    """Sampling of each call; `sampling.max_tokens` is the reply-token limit."""
    opens_thinking: bool = False
    """The chat template ends its generation prompt inside `<think>` (the reply holds only the closing tag)."""
    system_prompt: bool = True
    """Instructions go in a system message; False: they open the user message (the card forbids a system one)."""
    plan: bool = True
    """Ask for a plan before the first code (reasoning models plan in their thinking: off)."""
    native_tools: bool = False
    """Offer the tools as native tool calls (needs a server with a tool-call parser, or the chat template's
    `<tool_call>` text); fenced code always counts as `run_tests`."""
    restart: Restart = Restart.NEVER
    """When a failed test run makes the next call start the task afresh instead of asking for a fix."""
    max_seconds: float = Field(600.0, gt=0)
    """Most wall time over one solve (model and sandbox)."""
    never_greedy: bool = False
    """Temperature 0 is refused: the family repeats itself endlessly when decoded greedily."""

    @model_validator(mode="after")
    def _not_greedy(self) -> Self:
        if self.never_greedy and self.sampling.temperature <= 0:
            raise ValueError(GREEDY_REFUSED)
        return self

    def with_overrides(self, overrides: PresetOverrides) -> ModelPreset:
        """This preset with every value `overrides` sets; ValueError (one line) when the result is not allowed."""
        sampling = overrides.model_dump(include=SAMPLING_OVERRIDES, exclude_none=True)
        rest = overrides.model_dump(exclude=SAMPLING_OVERRIDES, exclude_none=True)
        data = self.model_dump() | rest
        data["sampling"] = self.sampling.model_dump() | sampling
        try:
            return ModelPreset.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"] if part != "sampling")
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ValueError(f"{where}: {message}" if where else message) from None


class PresetOverrides(BaseModel):
    """Values given on the command line; None keeps the preset's."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    temperature: float | None = None
    """Softmax temperature; 0 means greedy."""
    top_p: float | None = None
    """Nucleus sampling mass."""
    top_k: int | None = None
    """Top-k cut-off; 0 disables it."""
    min_p: float | None = None
    """Min-p cut-off; 0 disables it."""
    presence_penalty: float | None = None
    """Penalty on tokens the reply already holds."""
    max_tokens: int | None = None
    """Most tokens per reply."""
    seed: int | None = None
    """Sampling seed."""
    plan: bool | None = None
    """Ask for a plan before the first code."""
    native_tools: bool | None = None
    """Offer the tools as native tool calls."""
    system_prompt: bool | None = None
    """Instructions in a system message (else in the user message)."""
    restart: Restart | None = None
    """When to start the task afresh after a failed test run."""
    max_seconds: float | None = None
    """Most wall time over one solve."""


SAMPLING_OVERRIDES = {"temperature", "top_p", "top_k", "min_p", "presence_penalty", "max_tokens", "seed"}

PRESETS: dict[str, ModelPreset] = {
    preset.name: preset
    for preset in [
        ModelPreset(
            name="qwq",
            sampling=Sampling(
                temperature=0.6, top_p=0.95, top_k=40, min_p=0.0, max_tokens=REASONING_REPLY_TOKENS
            ),
            opens_thinking=True,
            plan=False,
            max_seconds=7200.0,
            never_greedy=True,
        ),
        ModelPreset(
            name="deepseek-r1-distill",
            # The R1 card gives temperature and top_p only: no top-k cut.
            sampling=Sampling(temperature=0.6, top_p=0.95, top_k=0, max_tokens=REASONING_REPLY_TOKENS),
            opens_thinking=True,
            system_prompt=False,
            plan=False,
            max_seconds=7200.0,
        ),
        ModelPreset(
            name="qwen3",
            sampling=Sampling(
                temperature=0.6, top_p=0.95, top_k=20, min_p=0.0, max_tokens=REASONING_REPLY_TOKENS
            ),
            plan=False,
            max_seconds=7200.0,
        ),
        ModelPreset(
            # The embedded default. Replies of 1024 tokens: on HumanEval (greedy) the 0.5B's replies averaged
            # 280 tokens and the ones that reached 1024 were all endless asserts after the solution
            # (bench.humaneval_table). No plan step: measured by bench.agent_vs_single on the 66 held-out tasks x 2
            # seeds, the plan replies took 72% of the agent's tokens. A fresh start after every failed test run
            # (Restart.ON_FAILURE): on HumanEval's first 72 tasks x 2 seeds, of 55 fixes asked for with the
            # feedback in view 46 repeated the failing code and none solved, while fresh starts solved 11;
            # restarting on every failure, agent pass@1 0.792 -> 0.812 (single-shot 0.715, best-of-2 0.819).
            # docs/benchmarks.md.
            name="qwen2.5-coder",
            sampling=Sampling(temperature=0.7, top_p=0.8, top_k=20, max_tokens=1024),
            plan=False,
            restart=Restart.ON_FAILURE,
            max_seconds=1800.0,
        ),
        ModelPreset(
            # The embedded 135M model: low temperature (it writes noise when hotter), short replies. No plan
            # step: asked for a plan it writes code anyway (30 of 30 plan replies in bench.agent_vs_single,
            # 43% of the agent's tokens), and the graph runs no code from a plan.
            name="smollm2",
            sampling=Sampling(temperature=0.2, top_p=0.9, top_k=50, max_tokens=512),
            plan=False,
            max_seconds=600.0,
        ),
        ModelPreset(
            name="generic",
            sampling=Sampling(temperature=0.6, top_p=0.95, top_k=40, max_tokens=4096),
            max_seconds=1800.0,
        ),
    ]
}
PRESET_NAMES = tuple(PRESETS)


def family_of(model_name: str) -> str:
    """The preset name of the model's family, recognised from its name or path (`generic` when unknown)."""
    name = model_name.lower().replace("_", "-")
    if "qwq" in name:
        return "qwq"
    if "deepseek-r1" in name:
        return "deepseek-r1-distill"
    if "qwen3" in name:
        return "qwen3"
    if "qwen2.5-coder" in name and "instruct" in name:
        return "qwen2.5-coder"
    if "smollm2" in name:
        return "smollm2"
    return "generic"


def resolve_preset(model_name: str, preset: str | None = None) -> ModelPreset:
    """The named preset, else the model's family's; ValueError naming the choices for an unknown name."""
    chosen = preset or family_of(model_name)
    if chosen not in PRESETS:
        raise ValueError(f"--preset {chosen!r}: expected one of {', '.join(PRESET_NAMES)}")
    return PRESETS[chosen]


def preset_for(model_name: str) -> Sampling:
    """The recommended sampling of the model's family."""
    return PRESETS[family_of(model_name)].sampling


def check_sampling(model_name: str, sampling: Sampling) -> None:
    """Refuse greedy decoding for a family that must never be greedy, however `sampling` was built."""
    if sampling.temperature <= 0 and PRESETS[family_of(model_name)].never_greedy:
        raise ValueError(GREEDY_REFUSED)
