"""Multi-turn agentic GRPO rollouts: each completion is an agent episode of the live policy.

TRL's GRPOTrainer (1.16) takes `rollout_func(prompts, trainer) -> {"prompt_ids", "completion_ids", "logprobs",
...}`; every other key is forwarded to the reward functions, and `env_mask` marks which completion tokens
the loss trains on (1: the model's, 0: environment feedback). An episode: the model answers, its code runs
against the task's public tests, the result comes back as a user turn, the model revises, until the public
tests pass or the turn or token budget is spent (`agent.budget`, the graph's rule, counting the whole
completion: feedback turns included). The completion is the chat-template rendering of every turn
after the prompt; the reward (the one reward function, through `TrlReward`) grades the final answer on the
hidden tests.

This is a lock-step loop rather than the LangGraph agent: the graph runs one episode with one model call at
a time, while here the turn of every episode of the step is one batched `generate` and their test runs are
one `run_many` through the pool. What the model sees is the agent's own: its prompts (`agent.prompts`), its
reply parsing (`rl.completions.extract_answer`, the reward's), its public-test job and feedback text
(`tools.calls`, `tools.feedback`), its rule for "the tests pass" (`checks_held`).

Logprobs are returned as None, as TRL's own transformers generation does: without vLLM the trainer
recomputes them in its forward pass (and only vLLM's importance sampling reads sampled ones).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent import prompts as agent_prompts
from agent.budget import Budget, Spent, exhausted, reply_limit
from rl.completions import extract_answer
from rl.config import RewardConfig
from sandbox import Limits, Sandbox
from sandbox.errors import SandboxError
from tasks.infra_retry import InfraRetry, run_with_retries
from tasks.spec import TaskSpec
from tasks.verdict import checks_held
from tools.calls import NOTHING_ASSERTED, run_tests_job
from tools.context import ToolContext
from tools.feedback import describe
from tools.repeats import run_key, test_report

FINAL_REPLY = "final_reply"
"""The extra rollout field holding each episode's final answer: the reply the reward grades."""
EPISODES_FILE = "episodes.jsonl"
"""One line per episode in the run's output directory: step, task, turns, solved, tokens by kind."""
ENV_MASK = "env_mask"
"""TRL's rollout field: 1 for tokens the model generated (trained on), 0 for environment feedback."""


class MultiTurnSettings(BaseModel):
    """The episode budget of multi-turn rollouts (the tokens of one reply are GRPO's `max_completion_length`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_turns: int = Field(3, ge=1)
    """Model replies per episode."""
    max_episode_tokens: int = Field(2048, ge=16)
    """Most completion tokens per episode, feedback included: a reply is cut to what is left, and a feedback
    turn that would spend the rest ends the episode."""
    feedback_chars: int = Field(1000, ge=100)
    """Longest test output shown back to the model (head and tail kept)."""

    @property
    def budget(self) -> Budget:
        """The episode's limits as the one budget rule reads them (`agent.budget`), tokens counting feedback."""
        return Budget(self.max_turns, self.max_episode_tokens)


@dataclass(frozen=True)
class Segment:
    """A run of completion tokens: a model reply (trained) or environment feedback (masked)."""

    ids: list[int]
    trained: bool


def assemble(segments: Sequence[Segment]) -> tuple[list[int], list[int]]:
    """The completion ids of an episode and its `env_mask` (1 model, 0 feedback), segment by segment."""
    ids: list[int] = []
    mask: list[int] = []
    for segment in segments:
        ids += segment.ids
        mask += [int(segment.trained)] * len(segment.ids)
    return ids, mask


def ends_turn(ids: Sequence[int], tokenizer: Any) -> bool:
    """The reply ended with its end-of-turn token: not cut by a token limit."""
    return bool(ids) and ids[-1] == tokenizer.eos_token_id


def _template_ids(tokenizer: Any, messages: list[dict[str, str]], generation_prompt: bool) -> list[int]:
    ids = tokenizer.apply_chat_template(
        messages, add_generation_prompt=generation_prompt, tokenize=True, return_dict=False
    )
    return list(ids)


def prompt_ids(tokenizer: Any, messages: list[dict[str, str]]) -> list[int]:
    """The prompt rendered by the chat template, opening the assistant's turn."""
    return _template_ids(tokenizer, messages, generation_prompt=True)


def feedback_ids(tokenizer: Any, text: str) -> list[int]:
    """The tokens of a user turn that follows a finished assistant reply, up to the next assistant opening.

    Rendered as TRL renders tool results (`_get_tool_suffix_ids`): a dummy exchange with and without the
    turn, the difference after the reply's end-of-turn token (templates may add a newline after it)."""
    before = [{"role": "user", "content": "dummy"}, {"role": "assistant", "content": "dummy"}]
    prefix = _template_ids(tokenizer, before, generation_prompt=False)
    eos = [i for i, token in enumerate(prefix) if token == tokenizer.eos_token_id]
    if eos:
        prefix = prefix[: eos[-1] + 1]
    full = _template_ids(tokenizer, [*before, {"role": "user", "content": text}], generation_prompt=True)
    if full[: len(prefix)] != prefix:
        raise ValueError("the chat template does not render a conversation as its turns in order")
    return full[len(prefix) :]


@dataclass
class Episode:
    """One agent episode in progress."""

    task: TaskSpec
    prompt_ids: list[int]
    segments: list[Segment] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    final_reply: str = ""
    """The reply the reward grades: the last finished one that carried code (else the first with code, else
    the last reply)."""
    answered: bool = False
    """Some reply carried code."""
    done: bool = False
    solved: bool = False
    """The public tests held (the agent's `solved`)."""
    failed_runs: dict[str, str] = field(default_factory=dict)
    """What each failed test run said, by `tools.repeats.run_key`: a repeated answer is not run again."""

    @property
    def completion_length(self) -> int:
        return sum(len(segment.ids) for segment in self.segments)

    @property
    def spent(self) -> Spent:
        return Spent(len(self.replies), self.completion_length)

    def context(self) -> list[int]:
        return self.prompt_ids + assemble(self.segments)[0]


def episode_record(step: int, episode: Episode) -> dict[str, Any]:
    return {
        "step": step,
        "task_id": episode.task.id,
        "turns": len(episode.replies),
        "solved_public": episode.solved,
        "segments": [[len(segment.ids), int(segment.trained)] for segment in episode.segments],
    }


def write_episodes(path: Path, step: int, episodes: Sequence[Episode]) -> None:
    """Append the step's episodes (`segments`: [tokens, trained] pairs in order, the env_mask's runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for episode in episodes:
            out.write(json.dumps(episode_record(step, episode)) + "\n")


def _prompt_key(messages: Any) -> str:
    return json.dumps([{"role": m["role"], "content": m["content"]} for m in messages], sort_keys=True)


class AgentRollout:
    """`GRPOTrainer(rollout_func=AgentRollout(...))`: one episode per prompt the trainer hands over (its
    sampler already repeats each prompt `num_generations` times), every step's episodes in lock step."""

    def __init__(
        self,
        tasks: Sequence[TaskSpec],
        dataset_prompts: Sequence[Any],
        pool: Sandbox,
        settings: MultiTurnSettings,
        sampling: dict[str, Any],
        reward: RewardConfig | None = None,
    ) -> None:
        self.tasks = {_prompt_key(p): t for p, t in zip(dataset_prompts, tasks, strict=True)}
        self.pool = pool
        self.settings = settings
        if "max_new_tokens" not in sampling:
            raise ValueError("multi-turn rollout: sampling needs max_new_tokens (one reply's limit)")
        self.sampling = sampling
        """`generate` keyword arguments of a reply: max_new_tokens (required), temperature, top_p, top_k,
        min_p."""
        self.reward = reward or RewardConfig()

    def task_of(self, prompt: Any) -> TaskSpec:
        try:
            return self.tasks[_prompt_key(prompt)]
        except KeyError:
            raise ValueError("multi-turn rollout: a prompt that is none of the training tasks'") from None

    def __call__(self, prompts: Sequence[Any], trainer: Any) -> dict[str, Any]:
        tokenizer = trainer.processing_class
        episodes = [Episode(self.task_of(p), prompt_ids(tokenizer, list(p))) for p in prompts]
        model = trainer.accelerator.unwrap_model(trainer.model)
        reply_max = int(self.sampling["max_new_tokens"])
        while active := [episode for episode in episodes if not episode.done]:
            limits = [reply_limit(episode.spent, self.settings.budget, reply_max) for episode in active]
            # One batched call at the longest limit; each reply then cut to its own (the same draw as a
            # shorter call's, token for token up to the cut).
            replies = self.generate(model, tokenizer, active, max(limits))
            self.read_replies(
                tokenizer, active, [ids[:limit] for ids, limit in zip(replies, limits, strict=True)]
            )
        completions = [assemble(episode.segments) for episode in episodes]
        write_episodes(Path(trainer.args.output_dir) / EPISODES_FILE, trainer.state.global_step + 1, episodes)
        return {
            "prompt_ids": [episode.prompt_ids for episode in episodes],
            "completion_ids": [ids for ids, _ in completions],
            "logprobs": None,
            ENV_MASK: [mask for _, mask in completions],
            FINAL_REPLY: [episode.final_reply for episode in episodes],
        }

    def generate(
        self, model: Any, tokenizer: Any, episodes: Sequence[Episode], max_new_tokens: int
    ) -> list[list[int]]:
        """One batched sampled reply per episode (left-padded contexts), cut after its end-of-turn token."""
        import torch

        contexts = [episode.context() for episode in episodes]
        width = max(len(ids) for ids in contexts)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        input_ids = torch.tensor([[pad] * (width - len(ids)) + ids for ids in contexts])
        attention = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in contexts])
        device = next(model.parameters()).device
        with torch.no_grad():
            output = model.generate(
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                do_sample=True,
                pad_token_id=pad,
                eos_token_id=tokenizer.eos_token_id,
                **{**self.sampling, "max_new_tokens": max_new_tokens},
            )
        replies = []
        for row in output[:, width:].tolist():
            if tokenizer.eos_token_id in row:
                row = row[: row.index(tokenizer.eos_token_id) + 1]
            replies.append(row)
        return replies

    def read_replies(self, tokenizer: Any, episodes: Sequence[Episode], replies: Sequence[list[int]]) -> None:
        """Add each reply, run the code of those that go on against the public tests (one batch), and add
        the results as the next user turn."""
        testing: list[tuple[Episode, str]] = []
        for episode, reply_ids in zip(episodes, replies, strict=True):
            text = tokenizer.decode(reply_ids, skip_special_tokens=True)
            episode.segments.append(Segment(reply_ids, trained=True))
            episode.replies.append(text)
            answer = extract_answer(
                text, opened_by_template=self.reward.opened_by_template, entry_point=episode.task.entry_point
            )
            # A reply cut by a limit (no end-of-turn) is a fragment: it does not replace an answer with code.
            if not episode.answered or (answer.code is not None and ends_turn(reply_ids, tokenizer)):
                episode.final_reply = text
                episode.answered = answer.code is not None
            if exhausted(episode.spent, self.settings.budget):
                episode.done = True
            elif answer.code is None:
                cut = answer.format == "unterminated_thinking"
                self.add_feedback(
                    tokenizer, episode, agent_prompts.THINKING_CUT if cut else agent_prompts.NO_ACTION
                )
            elif (earlier := episode.failed_runs.get(run_key(answer.code, None, {}))) is not None:
                text = f"{test_report(earlier, repeated=True)}\n\n{agent_prompts.REVISE}"
                self.add_feedback(tokenizer, episode, text)
            else:
                testing.append((episode, answer.code))
        if testing:
            self.run_public_tests(tokenizer, testing)

    def run_public_tests(self, tokenizer: Any, testing: Sequence[tuple[Episode, str]]) -> None:
        jobs = [
            run_tests_job(ToolContext(self.pool, episode.task, Limits()), code, None, {})
            for episode, code in testing
        ]
        try:
            results = [result for result, _attempts in run_with_retries(self.pool, jobs, InfraRetry())]
        except SandboxError:
            # The engine went away: the episodes end here; the reward then finds no sandbox either and leaves
            # them unscored (None), as the single-turn path does.
            for episode, _ in testing:
                episode.done = True
            return
        for (episode, code), result in zip(testing, results, strict=True):
            if result.status == "infra_error":
                episode.done = True  # says nothing about the code: no feedback turn built on it
                continue
            if checks_held(result):
                episode.solved = episode.done = True
                continue
            content = describe(result, self.settings.feedback_chars)
            if result.status == "passed":
                content = f"{content}\n{NOTHING_ASSERTED}"
            episode.failed_runs[run_key(code, None, {})] = content
            # The agent's feedback turn (agent/nodes.execute) merged with its revise prompt (nodes.revise).
            text = f"{test_report(content)}\n\n{agent_prompts.REVISE}"
            self.add_feedback(tokenizer, episode, text)

    def add_feedback(self, tokenizer: Any, episode: Episode, text: str) -> None:
        ids = feedback_ids(tokenizer, text)
        # A reply cut by its token budget gets the end-of-turn the template would write (not the model's).
        closing = [] if ends_turn(episode.segments[-1].ids, tokenizer) else [tokenizer.eos_token_id]
        after = Spent(len(episode.replies), episode.completion_length + len(closing) + len(ids))
        if exhausted(after, self.settings.budget):
            episode.done = True
            return
        episode.segments.append(Segment(closing + ids, trained=False))
