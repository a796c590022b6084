"""In-process vLLM (`vllm.LLM`): the high-throughput backend, with `chat_batch` for many conversations at once.

vLLM needs a GPU; it is an optional extra (`pip install 'sandloop[vllm]'`) imported only when this backend
is built.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.models.config import ModelConfig
from agent.models.embedded import EMBEDDED_MODEL, embedded_model_dir
from agent.models.errors import ModelError
from agent.models.replies import build_reply, opens_thinking
from agent.models.sampling import check_sampling
from agent.models.wire import openai_messages

NOT_INSTALLED = "vLLM is not installed: pip install 'sandloop[vllm]' (it needs a GPU)"


def _import_vllm() -> Any:
    try:
        return importlib.import_module("vllm")
    except ImportError:
        raise ModelError(NOT_INSTALLED) from None


class VLLMModel(ChatModel):
    """A chat model generating with an in-process `vllm.LLM` engine."""

    batched = True
    """`chat_batch` hands every conversation to the engine at once."""

    def __init__(self, config: ModelConfig) -> None:
        self._vllm = _import_vllm()
        self.name = config.model
        model = self._weights(config.model)
        try:
            self._llm = self._vllm.LLM(model=model, dtype=config.dtype)
        except (OSError, ValueError) as error:
            raise ModelError(f"vLLM cannot load {model}: {str(error).strip().splitlines()[0]}") from error
        self.context_window = int(self._llm.llm_engine.model_config.max_model_len)

    @staticmethod
    def _weights(model: str) -> str:
        """What vLLM loads: the embedded model's cached copy, a local directory or .gguf, or a hub name."""
        if model == EMBEDDED_MODEL:
            return str(embedded_model_dir())
        path = Path(model).expanduser()
        if path.suffix == ".gguf" and not path.is_file():
            raise ModelError(f"no GGUF model file at {path}")
        return str(path) if path.exists() else model  # vLLM reads GGUF itself: no dequantized copy needed

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        return self.chat_batch([messages], tools=tools, sampling=sampling)[0]

    def chat_batch(
        self,
        conversations: list[list[Message]],
        sampling: Sampling,
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> list[ModelReply]:
        """One reply per conversation, generated together (vLLM batches them on the GPU)."""
        check_sampling(self.name, sampling)
        if not conversations:
            return []
        params = self._vllm.SamplingParams(
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            top_k=sampling.top_k or -1,  # -1: no cut (every vLLM version accepts it)
            max_tokens=sampling.max_tokens,
            seed=sampling.seed,
        )
        started = time.perf_counter()
        outputs = self._llm.chat(
            [openai_messages(m) for m in conversations],
            sampling_params=params,
            use_tqdm=False,
            tools=tools,
        )
        # every conversation of a batch waited for the whole batch: each reply reports its wall time
        latency = time.perf_counter() - started
        return [self._reply(output, latency) for output in outputs]

    def _reply(self, output: Any, latency_s: float) -> ModelReply:
        completion = output.outputs[0]
        prompt_ids = list(output.prompt_token_ids or [])
        prompt = output.prompt
        if not isinstance(prompt, str):  # only token ids came back: the tail is enough to see `<think>`
            prompt = self._llm.get_tokenizer().decode(prompt_ids[-8:])
        return build_reply(
            completion.text,
            finish_reason="length" if completion.finish_reason == "length" else "stop",
            opened_by_template=opens_thinking(prompt),
            prompt_tokens=len(prompt_ids),
            completion_tokens=len(completion.token_ids),
            latency_s=latency_s,
        )
