"""In-process generation with transformers: a local HF directory, a .gguf file, or the embedded default."""

from __future__ import annotations

import os
import time
from typing import Any

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.models.config import ModelConfig
from agent.models.errors import ModelError
from agent.models.local import local_model_dir
from agent.models.presets import check_sampling
from agent.models.replies import build_reply, opens_thinking

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # set before transformers is imported: weights are local only

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    GenerationConfig,
    LogitsProcessor,
    LogitsProcessorList,
    TextStreamer,
)
from transformers.utils import logging as transformers_logging

transformers_logging.disable_progress_bar()  # weight-loading bars would interleave with the live view


class TransformersModel(ChatModel):
    """A chat model generating with `model.generate` in this process (not thread-safe: one `generate` at a
    time)."""

    def __init__(self, config: ModelConfig) -> None:
        self.name = config.model
        dtype = getattr(torch, config.dtype, None)
        if not isinstance(dtype, torch.dtype):
            raise ModelError(f"unknown torch dtype {config.dtype!r} (try float32, bfloat16 or float16)")
        self.directory = local_model_dir(config.model)
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.directory, local_files_only=True)
            model: Any = AutoModelForCausalLM.from_pretrained(
                self.directory, dtype=dtype, local_files_only=True
            )
        except (OSError, ValueError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ModelError(f"cannot load the model in {self.directory}: {first_line}") from error
        self._model = model.to(config.device).eval()
        positions = model.config.to_dict().get("max_position_embeddings")
        self.context_window = positions if isinstance(positions, int) else None
        template = self._tokenizer.chat_template
        self._template_takes_tools = "tools" in str(template or "")

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        check_sampling(self.name, sampling)
        started = time.perf_counter()
        prompt = self._render(messages, tools)
        # the template already holds the special tokens (BOS, <|im_start|>): add none
        inputs = self._tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(self._model.device)
        prompt_tokens = int(inputs["input_ids"].shape[-1])
        if sampling.seed is not None:
            torch.manual_seed(sampling.seed)
        config = self._generation_config(sampling)
        streamer = _Streamer(self._tokenizer, self.on_token) if self.on_token else None
        with torch.inference_mode():
            output = self._model.generate(
                **inputs,
                generation_config=config,
                logits_processor=_penalties(sampling, prompt_tokens),
                streamer=streamer,
            )
        new_ids = output[0, prompt_tokens:].tolist()
        raw = self._tokenizer.decode(new_ids, skip_special_tokens=True)
        assert isinstance(raw, str)
        stopped = bool(new_ids) and new_ids[-1] in self._eos_ids(config)
        hit_limit = len(new_ids) >= sampling.max_tokens and not stopped
        return build_reply(
            raw,
            finish_reason="length" if hit_limit else "stop",
            opened_by_template=opens_thinking(prompt),
            prompt_tokens=prompt_tokens,
            completion_tokens=len(new_ids),
            latency_s=time.perf_counter() - started,
        )

    def count_prompt_tokens(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None
    ) -> int | None:
        """The rendered chat template's tokens, as `chat` would feed them."""
        ids = self._tokenizer(self._render(messages, tools), add_special_tokens=False)["input_ids"]
        return len(ids)

    def _render(self, messages: list[Message], tools: list[dict[str, Any]] | None) -> str:
        extra: dict[str, Any] = {"tools": tools} if tools and self._template_takes_tools else {}
        prompt = self._tokenizer.apply_chat_template(
            [m.as_chat() for m in messages], add_generation_prompt=True, tokenize=False, **extra
        )
        assert isinstance(prompt, str)  # tokenize=False renders one conversation to one string
        return prompt

    def _generation_config(self, sampling: Sampling) -> GenerationConfig:
        config = GenerationConfig.from_dict(self._model.generation_config.to_dict())
        config.max_new_tokens = sampling.max_tokens
        config.do_sample = sampling.temperature > 0
        if config.do_sample:
            config.temperature = sampling.temperature
            config.top_p = sampling.top_p
            config.top_k = sampling.top_k or None  # 0 disables the cut
            config.min_p = sampling.min_p or None
        else:  # greedy: sampling knobs from the model's defaults would only draw warnings
            config.temperature = config.top_p = config.top_k = config.min_p = None
        if config.pad_token_id is None:
            config.pad_token_id = self._tokenizer.pad_token_id or self._tokenizer.eos_token_id
        return config

    def _eos_ids(self, config: GenerationConfig) -> set[int]:
        eos = config.eos_token_id if config.eos_token_id is not None else self._tokenizer.eos_token_id
        if eos is None:
            return set()
        return {int(eos)} if isinstance(eos, int) else {int(i) for i in eos}


class _Streamer(TextStreamer):
    """Hands each decoded piece of the reply to a token sink (inside `generate`, in its thread)."""

    def __init__(self, tokenizer: Any, sink: Any) -> None:
        super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=True)
        self._sink = sink

    def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
        if text:
            self._sink(text)


class PresencePenalty(LogitsProcessor):
    """OpenAI's presence penalty, which `generate` lacks (its repetition penalty scales, it does not subtract):
    every token the reply already holds loses `penalty` from its logit."""

    def __init__(self, penalty: float, prompt_tokens: int) -> None:
        self.penalty = penalty
        self.prompt_tokens = prompt_tokens

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.FloatTensor:
        generated = input_ids[:, self.prompt_tokens :]
        if generated.shape[-1] == 0:
            return scores  # type: ignore[return-value]  # generate passes float scores
        seen = torch.zeros_like(scores, dtype=torch.bool).scatter_(1, generated, True)
        penalized: torch.FloatTensor = scores - self.penalty * seen.to(scores.dtype)  # type: ignore[assignment]
        return penalized


def _penalties(sampling: Sampling, prompt_tokens: int) -> LogitsProcessorList:
    processors = LogitsProcessorList()
    if sampling.presence_penalty:
        processors.append(PresencePenalty(sampling.presence_penalty, prompt_tokens))
    return processors
