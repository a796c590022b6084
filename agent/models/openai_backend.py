"""Any OpenAI-compatible server (`vllm serve`, `transformers serve`, llama.cpp's server), streamed.

Servers differ in what they accept beyond the OpenAI schema: `top_k` (vLLM, llama.cpp take it; others 422)
and `stream_options` (for usage in the stream). A field a server rejects is dropped and the call retried,
once per field for the life of this object.

A vLLM server started without a tool parser refuses `tools` unless `tool_choice` is `none`: the request is
sent again that way, and the model's `<tool_call>` text is parsed here (agent.reasoning).

QwQ's chat template opens `<think>` in the prompt: a server without a reasoning parser then returns thinking
with only a closing tag, or none when cut. Whether the served template does this is asked once, from vLLM's
`/tokenize` (the rendered prompt's last tokens); servers without that endpoint are taken not to. The same
endpoint counts a prompt's tokens (agent.history fits the history to the window by it).

Transient failures (connection reset, 408/409/429/5xx, a stream broken mid-reply) are retried here, by the
one policy of `agent.models.retry`; the OpenAI client's own retries are off, so nothing retries twice.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai
from openai.types.chat import ChatCompletionChunk

from agent.messages import Message, ToolCall
from agent.models.base import ChatModel, ModelReply, Sampling
from agent.models.config import ModelConfig
from agent.models.embedded import dequantized_path
from agent.models.errors import ModelError, overflow_error
from agent.models.local import is_embedded
from agent.models.presets import check_sampling, resolve_preset
from agent.models.replies import build_reply, opens_thinking
from agent.models.retry import MODEL_RETRY, RetriesExhausted, call_with_retries
from agent.models.wire import openai_messages
from tasks.infra_retry import InfraRetry

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
PLACEHOLDER_KEY = "EMPTY"  # local servers ignore the key, but the client insists on one
OPTIONAL_FIELDS = ("stream_options", "top_k", "min_p")
# the extras of the OpenAI schema that go in the request body as they are (vLLM's names)
BODY_EXTRAS = ("top_k", "min_p")
# vLLM without `--tool-call-parser` refuses `tools` with the default tool choice (auto)
NO_TOOL_PARSER = "--tool-call-parser"
PROBE_CONVERSATION = [{"role": "user", "content": "Hi"}]
TRANSIENT_STATUSES = frozenset({408, 409, 429})
"""Besides 5xx: what the OpenAI client itself would retry."""
NO_ENDPOINT = frozenset({404, 405})


class OpenAIModel(ChatModel):
    """A chat model behind an OpenAI-compatible HTTP endpoint."""

    thread_safe = True
    """Calls are independent HTTP requests: batch runs may make them from many threads."""
    context_window: int | None = None
    """Known once `probe` has listed the server's models, when the server says (vLLM's `max_model_len`)."""

    def __init__(self, config: ModelConfig, retry: InfraRetry = MODEL_RETRY) -> None:
        self.name = config.model
        self.retry = retry
        """How transient failures of a call are retried."""
        self.base_url = (config.base_url or DEFAULT_BASE_URL).rstrip("/")
        self._config = config
        # `transformers serve DIR` names its model by DIR: the embedded model is served from its cached copy
        self._served = str(dequantized_path(config.model)) if is_embedded(config.model) else config.model
        self._rejected: set[str] = set()
        self._client: openai.OpenAI | None = None
        self._client_key: str | None = None
        self._opens_thinking: bool | None = None
        self._tools_as_text = False
        """The server parses no tool calls (vLLM without a tool parser): ask with `tool_choice` none."""
        self._no_tokenize = False
        """The server has no `/tokenize`: prompts are not counted (callers estimate)."""

    def chat(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None, sampling: Sampling
    ) -> ModelReply:
        check_sampling(self.name, sampling)
        request = self._request(messages, tools, sampling)
        started = time.perf_counter()
        try:
            stream = call_with_retries(lambda: self._completion(request), self.retry, _transient)
        except RetriesExhausted as exhausted:
            failure = exhausted.__cause__
            assert isinstance(failure, openai.APIError | BrokenStreamError)  # what _transient accepts
            raise self._failure(failure, f" ({exhausted.attempts} attempts)") from failure
        except (openai.APIError, BrokenStreamError) as error:
            raise self._failure(error, "") from error
        calls, errors = stream.tool_calls()
        return build_reply(
            "".join(stream.content),
            finish_reason=stream.finish_reason or "stop",
            reasoning="".join(stream.reasoning) or None,
            opened_by_template=self.template_opens_thinking(),
            tool_calls=calls,
            errors=errors,
            prompt_tokens=stream.prompt_tokens,
            completion_tokens=stream.completion_tokens,
            latency_s=time.perf_counter() - started,
        )

    def _completion(self, request: dict[str, Any]) -> _StreamState:
        """One attempt: the whole streamed reply (a retry starts over)."""
        stream = _StreamState()
        for chunk in self._stream(request):
            piece = stream.add(chunk)
            if piece and self.on_token:
                self.on_token(piece)  # a retried attempt streams again from its start
        return stream

    def _failure(self, error: openai.APIError | BrokenStreamError, attempts: str) -> ModelError:
        """The one-line error of a failed call; `attempts` says how often it was tried, when more than once."""
        if isinstance(error, BrokenStreamError):
            return ModelError(f"the stream from {self.base_url} broke{attempts}: {error}")
        if isinstance(error, openai.APIConnectionError):
            return ModelError(
                f"no OpenAI-compatible server answers at {self.base_url}{attempts}: {self._reason(error)}"
            )
        if isinstance(error, openai.APIStatusError):
            said = f"{self.base_url} refused the call (HTTP {error.status_code}){attempts}: {_line(error.message)}"
            overflow = overflow_error(said, error.message) if error.status_code == 400 else None
            if overflow is not None:
                self.context_window = overflow.window  # the server's word, for every later call
                return overflow
            return ModelError(said)
        return ModelError(f"{self.base_url} failed during the call: {_line(error.message)}")

    def count_prompt_tokens(
        self, messages: list[Message], *, tools: list[dict[str, Any]] | None = None
    ) -> int | None:
        """The prompt's tokens by the server's own template and tokenizer (vLLM's `/tokenize`); None from a
        server without it (asked once) or when it fails."""
        if self._no_tokenize:
            return None
        body: dict[str, Any] = {
            "model": self._served,
            "messages": openai_messages(messages),
            "add_generation_prompt": True,
        }
        if tools:
            body["tools"] = tools
        if "chat_template_kwargs" in self._config.request_extras:
            body["chat_template_kwargs"] = self._config.request_extras["chat_template_kwargs"]
        try:
            answer = self._post_root("/tokenize", body)
            counted = answer.json() if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None
        if answer.status_code in NO_ENDPOINT:
            self._no_tokenize = True
        if not isinstance(counted, dict) or not isinstance(counted.get("count"), int):
            return None
        if self.context_window is None and isinstance(counted.get("max_model_len"), int):
            self.context_window = int(counted["max_model_len"])
        return int(counted["count"])

    def _post_root(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST to the server's own endpoints (beside `/v1`), with the key as the chat calls send it."""
        key = os.environ.get(self._config.api_key_env) or PLACEHOLDER_KEY
        return httpx.post(
            f"{self.base_url.removesuffix('/v1')}{path}",
            json=body,
            headers={"Authorization": f"Bearer {key}"},
            timeout=min(10.0, self._config.timeout_s),
        )

    def probe(self) -> None:
        """Check the endpoint answers (listing its models) before a run starts; ModelError if not."""
        try:
            listed = (
                self._openai()
                .with_options(max_retries=0, timeout=min(10.0, self._config.timeout_s))
                .models.list()
            )
        except openai.APIConnectionError as error:
            raise ModelError(
                f"no OpenAI-compatible server answers at {self.base_url}: {self._reason(error)}"
            ) from error
        except openai.APIStatusError:
            return  # it answered: a server without /models can still chat
        self.context_window = _served_context_window(listed.data, self._served)

    def template_opens_thinking(self) -> bool:
        """Whether the served chat template ends its generation prompt inside `<think>` (asked once)."""
        if self._opens_thinking is None:
            self._opens_thinking = self._ask_template_opens_thinking()
        return self._opens_thinking

    def _ask_template_opens_thinking(self) -> bool:
        body = {
            "model": self._served,
            "messages": PROBE_CONVERSATION,
            "add_generation_prompt": True,
            "return_token_strs": True,
        }
        try:
            answer = self._post_root("/tokenize", body)
            tail = answer.json().get("token_strs")[-4:] if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError, TypeError):
            tail = None
        if tail is None:  # no such endpoint (not vLLM): the model family's preset says
            return resolve_preset(self.name, self._config.preset).opens_thinking
        # byte-level vocabularies spell a newline `Ċ`
        return isinstance(tail, list) and opens_thinking("".join(map(str, tail)).replace("Ċ", "\n"))

    def _request(
        self, messages: list[Message], tools: list[dict[str, Any]] | None, sampling: Sampling
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self._served,
            "messages": openai_messages(messages),
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "max_tokens": sampling.max_tokens,
            "stream_options": {"include_usage": True},
            "top_k": sampling.top_k or -1,  # -1: no cut, for vLLM and llama.cpp alike
        }
        if sampling.min_p:  # sent only when set: servers that do not know it need not see it
            request["min_p"] = sampling.min_p
        if sampling.presence_penalty:
            request["presence_penalty"] = sampling.presence_penalty
        if sampling.seed is not None:
            request["seed"] = sampling.seed
        if tools:
            request["tools"] = tools
        return request | self._config.request_extras

    def _stream(self, request: dict[str, Any]) -> Iterator[ChatCompletionChunk]:
        """Open the stream, dropping fields the server rejects, then yield its chunks."""
        client = self._openai()
        while True:
            body = {k: v for k, v in request.items() if k not in self._rejected}
            if self._tools_as_text and "tools" in body:
                body["tool_choice"] = "none"  # the template still lists the tools; calls come back as text
            sent = set(body)
            # fields outside the OpenAI schema go in the body as extras
            extras = {
                name: body.pop(name) for name in [*BODY_EXTRAS, *self._config.request_extras] if name in body
            }
            try:
                stream = client.chat.completions.create(**body, stream=True, extra_body=extras or None)
                break
            except (openai.BadRequestError, openai.UnprocessableEntityError) as error:
                said = f"{error.message} {error.body}"
                if "tools" in sent and not self._tools_as_text and NO_TOOL_PARSER in said:
                    self._tools_as_text = True
                    continue
                rejected = {name for name in OPTIONAL_FIELDS if name in sent and name in said}
                if not rejected:
                    raise
                self._rejected |= rejected
        with stream:
            chunks = iter(stream)
            while True:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    return
                except openai.APIError:
                    raise
                except Exception as error:  # the HTTP client's own transport errors (read timeout, reset)
                    raise BrokenStreamError(f"{type(error).__name__}: {_line(str(error))}") from error
                yield chunk

    def _openai(self) -> openai.OpenAI:
        # the key is read at call time, from the variable the config names; never stored in the config
        key = os.environ.get(self._config.api_key_env) or PLACEHOLDER_KEY
        if self._client is None or key != self._client_key:
            # no retries of its own: `self.retry` is the one policy (and knows broken streams)
            self._client = openai.OpenAI(
                base_url=self.base_url, api_key=key, timeout=self._config.timeout_s, max_retries=0
            )
            self._client_key = key
        return self._client

    def _reason(self, error: openai.APIConnectionError) -> str:
        if isinstance(error, openai.APITimeoutError):
            return f"no answer within {self._config.timeout_s:g} s"
        causes: list[BaseException] = []
        cause: BaseException | None = error
        while cause is not None and cause not in causes:
            causes.append(cause)
            cause = cause.__cause__ or cause.__context__
        if any(isinstance(c, ConnectionRefusedError) or "refused" in str(c).lower() for c in causes):
            return "connection refused"
        return _line(str(causes[-1])) or type(causes[-1]).__name__


class BrokenStreamError(Exception):
    """The connection failed after the reply had started streaming (a reset, a truncated body)."""


def _transient(error: BaseException) -> bool:
    """Worth another attempt: the server may answer the same request next time."""
    if isinstance(error, openai.APITimeoutError):
        return False  # the call already took the whole timeout: another would too, most likely
    if isinstance(error, openai.APIStatusError):
        return error.status_code in TRANSIENT_STATUSES or error.status_code >= 500
    return isinstance(error, openai.APIConnectionError | BrokenStreamError)


@dataclass
class _StreamState:
    """What the chunks of one streamed completion add up to."""

    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, dict[str, str]] = field(default_factory=dict)
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, chunk: ChatCompletionChunk) -> str:
        """Take in one chunk; the text (thinking and answer) it adds, for a live view."""
        added: list[str] = []
        if (
            chunk.usage is not None
        ):  # vLLM sends it in a last chunk with no choices; others with the last choice
            self.prompt_tokens = chunk.usage.prompt_tokens or 0
            self.completion_tokens = chunk.usage.completion_tokens or 0
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta.content:
                self.content.append(delta.content)
                added.append(delta.content)
            # servers name the split-off thinking differently: vLLM `reasoning_content` (newer: `reasoning`)
            thinking = getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None)
            if isinstance(thinking, str):
                self.reasoning.append(thinking)
                added.insert(0, thinking)
            for call in delta.tool_calls or []:
                slot = self.calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                slot["id"] = call.id or slot["id"]
                if call.function is not None:
                    slot["name"] += call.function.name or ""
                    arguments: Any = call.function.arguments
                    if arguments:
                        slot["arguments"] += (
                            arguments if isinstance(arguments, str) else json.dumps(arguments)
                        )
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
        return "".join(added)

    def tool_calls(self) -> tuple[list[ToolCall], list[str]]:
        """The decoded calls, and one error line per call whose name or arguments are unusable."""
        calls: list[ToolCall] = []
        errors: list[str] = []
        for index in sorted(self.calls):
            slot = self.calls[index]
            if not slot["name"]:
                errors.append(f"malformed tool call #{index}: no function name")
                continue
            try:
                arguments = json.loads(slot["arguments"] or "{}")
                if not isinstance(arguments, dict):
                    raise ValueError("arguments must be a JSON object")
            except ValueError as error:
                errors.append(f"malformed tool call {slot['name']}: {error}")
                continue
            call_id = slot["id"] or f"call_{uuid.uuid4().hex[:8]}"
            calls.append(ToolCall(id=call_id, name=slot["name"], arguments=arguments))
        return calls, errors


def _served_context_window(models: list[Any], served: str) -> int | None:
    """The context window a server lists for the model it serves (vLLM: `max_model_len`), if it does."""
    for model in models:
        extra = model.model_extra or {}
        if model.id == served and isinstance(extra.get("max_model_len"), int):
            return int(extra["max_model_len"])
    return None


def _line(text: str) -> str:
    """The first non-empty line: errors stay one line."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
