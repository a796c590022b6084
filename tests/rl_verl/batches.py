"""verl batches as its trainer builds them: the exported parquet read by verl's RLHFDataset, responses appended.

The tokenizer is a real Hugging Face fast tokenizer over bytes (no merges): any text encodes and decodes back
exactly, so the response verl decodes is the one the test wrote, and nothing is downloaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from omegaconf import OmegaConf
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import AutoTokenizer, PreTrainedTokenizerFast
from verl import DataProto
from verl.utils.dataset.rl_dataset import RLHFDataset, collate_fn
from verl.utils.ray_utils import get_event_loop

EOS, PAD = "<|endoftext|>", "<|pad|>"
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def save_byte_tokenizer(directory: Path) -> Path:
    """A byte-level tokenizer with a chat template, saved as a model directory verl's `hf_tokenizer` loads."""
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    core = Tokenizer(models.BPE(vocab={char: i for i, char in enumerate(alphabet)}, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, eos_token=EOS, pad_token=PAD)
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(directory)
    return directory


def load_tokenizer(directory: Path) -> Any:
    return AutoTokenizer.from_pretrained(directory)


def _ids(tokenizer: Any, text: str) -> list[int]:
    ids: list[int] = tokenizer(text, add_special_tokens=False)["input_ids"]
    return ids


def rollout_batch(parquet: Path, tokenizer: Any, responses: Mapping[str, Sequence[str]]) -> DataProto:
    """The parquet's rows, each repeated once per response given for its task id (a GRPO group), with the
    tensors verl's agent loop hands the reward: left-padded `prompts`, right-padded `responses` ending in
    EOS, `input_ids`, `attention_mask`."""
    dataset = RLHFDataset(
        str(parquet),
        tokenizer,
        OmegaConf.create({"filter_overlong_prompts": False, "max_prompt_length": 1 << 20}),
    )
    items: list[dict[str, Any]] = []
    texts: list[tuple[list[int], list[int]]] = []
    for index in range(len(dataset)):
        row = dataset[index]
        prompt = _ids(
            tokenizer,
            tokenizer.apply_chat_template(row["raw_prompt"], add_generation_prompt=True, tokenize=False),
        )
        for response in responses[row["extra_info"]["task_id"]]:
            items.append(dict(row))
            texts.append((prompt, [*_ids(tokenizer, response), tokenizer.eos_token_id]))
    prompt_len = max(len(p) for p, _ in texts)
    response_len = max(len(r) for _, r in texts)
    pad = tokenizer.pad_token_id
    prompts = torch.tensor([[pad] * (prompt_len - len(p)) + p for p, _ in texts])
    responses_t = torch.tensor([r + [pad] * (response_len - len(r)) for _, r in texts])
    mask = torch.tensor(
        [
            [0] * (prompt_len - len(p)) + [1] * (len(p) + len(r)) + [0] * (response_len - len(r))
            for p, r in texts
        ]
    )
    columns = collate_fn(items)
    columns.update(
        prompts=prompts,
        responses=responses_t,
        input_ids=torch.cat([prompts, responses_t], dim=1),
        attention_mask=mask,
    )
    return DataProto.from_single_dict(columns)


def last_token_scores(rm_scores: torch.Tensor, batch: DataProto) -> list[float]:
    """verl puts each response's reward on its last valid token: read them back, one per row."""
    prompt_len = batch.batch["prompts"].shape[1]
    lengths = batch.batch["attention_mask"][:, prompt_len:].sum(dim=1)
    return [float(rm_scores[row, int(length) - 1]) for row, length in enumerate(lengths)]


def run_single_all(manager: Any, batch: DataProto) -> list[dict[str, Any]]:
    """What a RewardLoopWorker does with its chunk: `run_single` per row, concurrently, on verl's loop."""

    async def gather() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(manager.run_single(batch[i : i + 1]) for i in range(len(batch)))))

    return get_event_loop().run_until_complete(gather())
