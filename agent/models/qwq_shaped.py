"""A QwQ-shaped tiny model for tests: the embedded SmolLM2 with QwQ's reasoning and tool-call tokens and template.

vLLM's `deepseek_r1` reasoning parser and `hermes` tool parser refuse a tokenizer without `<think>`, `</think>`,
`<tool_call>`, `</tool_call>`; QwQ's chat template opens `<think>` in the generation prompt. This copy of the
embedded model has both, so the whole QwQ path (server parsers, a template that starts inside the thinking)
runs on a CPU in seconds. Its words are SmolLM2's: tests steer what it writes with a grammar (vLLM's structured
outputs). The four added tokens' output rows are raised so that wherever a grammar allows the tag, the model
writes it as the one token (what the servers' parsers look for), not spelled out in pieces.

Built once under `${SANDLOOP_CACHE:-~/.cache/sandloop}/models/qwq-shaped-<hash>/`, keyed by the embedded copy
(itself keyed by the GGUF's bytes) and this recipe.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from agent.models.embedded import TINY_MODEL, embedded_model_dir
from agent.models.gguf_cache import cache_root

ADDED_TOKENS = ("<think>", "</think>", "<tool_call>", "</tool_call>")
"""QwQ's reasoning and Hermes tool-call tags, each one token (not special: they stay in decoded text)."""
TAG_LOGIT_MARGIN = 30.0
"""How far above every other logit an added tag's logit is raised (so a grammar that allows it picks it)."""
RECIPE_VERSION = "1"
"""Bump when the build below changes: the cache key includes it."""

# QwQ's template in short: ChatML, Hermes tools in the system turn, thinking dropped from past assistant turns,
# tool results as user turns, and a generation prompt that opens `<think>`.
CHAT_TEMPLATE = """\
{%- if tools %}<|im_start|>system
{% if messages[0].role == 'system' %}{{ messages[0].content }}

{% endif %}# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{% for tool in tools %}{{ tool | tojson }}
{% endfor %}</tools>

For each function call, return a json object with function name and arguments within <tool_call></tool_call> \
XML tags:
<tool_call>
{"name": <function-name>, "arguments": <args-json-object>}
</tool_call><|im_end|>
{% elif messages[0].role == 'system' %}<|im_start|>system
{{ messages[0].content }}<|im_end|>
{% endif %}
{%- for message in messages %}
{%- if message.role == 'user' %}<|im_start|>user
{{ message.content }}<|im_end|>
{% elif message.role == 'assistant' %}<|im_start|>assistant
{{ (message.content or '').split('</think>')[-1].lstrip('\\n') }}
{%- for call in message.tool_calls or [] %}
{%- set function = call.function if call.function is defined else call %}{{ '\\n' }}<tool_call>
{"name": "{{ function.name }}", "arguments": {{ function.arguments | tojson if function.arguments is not string \
else function.arguments }}}
</tool_call>
{%- endfor %}<|im_end|>
{% elif message.role == 'tool' %}<|im_start|>user
<tool_response>
{{ message.content }}
</tool_response><|im_end|>
{% endif %}
{%- endfor %}
{%- if add_generation_prompt %}<|im_start|>assistant
<think>
{% endif %}"""


def qwq_shaped_dir() -> Path:
    """The QwQ-shaped copy of the embedded model as a plain HF directory; built on first use (~10 s)."""
    source = embedded_model_dir(TINY_MODEL)
    recipe = "\0".join([source.name, RECIPE_VERSION, CHAT_TEMPLATE, *ADDED_TOKENS, str(TAG_LOGIT_MARGIN)])
    target = cache_root() / f"qwq-shaped-{hashlib.blake2b(recipe.encode(), digest_size=6).hexdigest()}"
    if not (target / "config.json").is_file():
        _build(source, target)
    return target


def _build(source: Path, target: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AddedToken, AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
        tokenizer.add_tokens([AddedToken(tag, special=False, normalized=False) for tag in ADDED_TOKENS])
        tokenizer.chat_template = CHAT_TEMPLATE
        model: Any = AutoModelForCausalLM.from_pretrained(source, local_files_only=True, dtype=torch.float32)
        model.resize_token_embeddings(len(tokenizer))
        tag_ids = [int(tokenizer.convert_tokens_to_ids(tag)) for tag in ADDED_TOKENS]  # type: ignore[arg-type]
        _raise_tag_logits(model, tokenizer, tag_ids)
        # what vLLM runs on a CPU; the config records it, so vLLM's `dtype="auto"` picks it
        model = model.to(dtype=torch.bfloat16)
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        staging.chmod(0o755)
        try:
            staging.rename(target)
        except OSError:
            if not (target / "config.json").is_file():
                raise
            shutil.rmtree(staging)  # another process finished the same build first
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _raise_tag_logits(model: Any, tokenizer: Any, tag_ids: list[int]) -> None:
    """Point the tags' output rows along the direction every final hidden state shares, scaled past the margin.

    A language model's normalised final hidden states share a large common component; a row along it scores
    high after any prefix. The output rows are untied from the input embeddings first, so reading a tag in the
    prompt stays ordinary. Checked on sample text: the tags must lead every other token by the margin.
    """
    import torch

    sample = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Write a Python function that adds two numbers, then test it."}],
        add_generation_prompt=True,
        tokenize=False,
    )
    sample += "Let me think about the sum of two numbers. def add(a, b): return a + b"
    ids = tokenizer(sample, return_tensors="pt").input_ids
    others = torch.ones(len(tokenizer), dtype=torch.bool)
    others[tag_ids] = False
    with torch.no_grad():
        head = model.get_output_embeddings()
        if head.weight is model.get_input_embeddings().weight:
            head.weight = torch.nn.Parameter(head.weight.detach().clone())
            model.config.tie_word_embeddings = False
        hidden = model(ids, output_hidden_states=True).hidden_states[-1][0]
        direction = hidden.mean(0)
        direction /= direction.norm()
        along = hidden @ direction
        if bool((along <= 0).any()):
            raise RuntimeError(
                "the embedded model's hidden states share no common direction: cannot raise tags"
            )
        best_other = model(ids).logits[0][:, others].max(dim=1).values
        scale = float(((best_other + 2 * TAG_LOGIT_MARGIN) / along).max())
        head.weight[tag_ids] = direction * scale
        logits = model(ids).logits[0]
    lead = float((logits[:, tag_ids].min(dim=1).values - logits[:, others].max(dim=1).values).min())
    if lead < TAG_LOGIT_MARGIN:
        raise RuntimeError(f"raising the tag logits failed: they lead by {lead:.1f}, not {TAG_LOGIT_MARGIN}")
