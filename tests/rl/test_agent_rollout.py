"""Multi-turn rollouts: the token/mask assembly of a scripted episode (the embedded model's tokenizer, no
model), the episode logic on scripted replies against real public-test runs, and a real 2-step multi-turn
GRPOTrainer run (TRL, CPU, the embedded SmolLM2, Docker)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from rich.console import Console

from agent import prompts as agent_prompts
from agent.prompts import first_messages
from rl.agent_rollout import (
    ENV_MASK,
    EPISODES_FILE,
    FINAL_REPLY,
    AgentRollout,
    MultiTurnSettings,
    Segment,
    assemble,
    feedback_ids,
    prompt_ids,
)
from rl.completions import extract_answer
from sandbox import SandboxPool
from tasks.spec import TaskSpec
from tests.support.rl_samples import WRONG, as_completion, square_task
from tools.repeats import RAN, REPEATED

RIGHT = "def square(x):\n    return x * x\n"


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    from transformers import AutoTokenizer

    from agent.models.embedded import TINY_MODEL, embedded_model_dir

    return AutoTokenizer.from_pretrained(embedded_model_dir(TINY_MODEL), local_files_only=True)


def reply_ids(tokenizer: Any, text: str) -> list[int]:
    """A reply as the model would end it: its text, then the end-of-turn token."""
    return [*tokenizer.encode(text, add_special_tokens=False), tokenizer.eos_token_id]


def test_a_scripted_episode_renders_as_its_chat_and_masks_only_the_feedback(tokenizer: Any) -> None:
    task = square_task()
    messages = first_messages(task)
    first, feedback, second = as_completion(WRONG), "tests: 0/1 passed\nFix it.", as_completion(RIGHT)
    segments = [
        Segment(reply_ids(tokenizer, first), trained=True),
        Segment(feedback_ids(tokenizer, feedback), trained=False),
        Segment(reply_ids(tokenizer, second), trained=True),
    ]
    ids, mask = assemble(segments)

    assert len(ids) == len(mask)
    lengths = [len(segment.ids) for segment in segments]
    assert mask == [1] * lengths[0] + [0] * lengths[1] + [1] * lengths[2]
    # The prompt and the completion together are the chat template's own rendering of the conversation.
    conversation = [
        *messages,
        {"role": "assistant", "content": first},
        {"role": "user", "content": feedback},
        {"role": "assistant", "content": second},
    ]
    rendered = tokenizer.apply_chat_template(conversation, tokenize=False)
    assert tokenizer.decode(prompt_ids(tokenizer, messages) + ids) == rendered.rstrip("\n")
    # The masked tokens are the feedback turn: the user's header and text, and the next assistant opening.
    masked = tokenizer.decode([token for token, keep in zip(ids, mask, strict=True) if not keep])
    assert masked.strip().startswith("<|im_start|>user") and feedback in masked
    assert masked.rstrip().endswith("<|im_start|>assistant")


class ScriptedRollout(AgentRollout):
    """The real episode logic with scripted replies in place of `generate`."""

    def __init__(self, replies: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.script = replies

    def generate(self, model: Any, tokenizer: Any, episodes: Any, max_new_tokens: int) -> list[list[int]]:
        text = self.script.pop(0)
        return [reply_ids(tokenizer, text) for _ in episodes]


class FakeTrainer:
    """What the rollout reads of the trainer besides the model: tokenizer, accelerator, output dir, step."""

    def __init__(self, tokenizer: Any, out: Any) -> None:
        from types import SimpleNamespace

        self.processing_class = tokenizer
        self.model = None
        self.args = SimpleNamespace(output_dir=str(out))
        self.state = SimpleNamespace(global_step=0)

        class Accelerator:
            @staticmethod
            def unwrap_model(model: Any) -> Any:
                return model

        self.accelerator = Accelerator()


def scripted(
    replies: list[str], task: TaskSpec, pool: SandboxPool, max_new_tokens: int = 64, **settings: Any
) -> ScriptedRollout:
    return ScriptedRollout(
        replies,
        tasks=[task],
        dataset_prompts=[first_messages(task)],
        pool=pool,
        settings=MultiTurnSettings(**settings),
        sampling={"max_new_tokens": max_new_tokens},
    )


def wrong_public_task() -> TaskSpec:
    """The square task with a public test WRONG fails and RIGHT passes."""
    task = square_task()
    public = task.public_tests.model_copy(update={"code": "assert square(3) == 9\n"})
    return task.model_copy(update={"public_tests": public})


@pytest.mark.docker
def test_a_failing_answer_gets_the_public_test_result_and_the_revision_is_graded(
    tokenizer: Any, pool: SandboxPool, tmp_path: Any
) -> None:
    wrong_public = wrong_public_task()
    rollout = scripted([as_completion(WRONG), as_completion(RIGHT)], wrong_public, pool, max_turns=3)
    out = rollout([first_messages(wrong_public)] * 2, FakeTrainer(tokenizer, tmp_path))

    assert len(out["completion_ids"]) == len(out[ENV_MASK]) == 2
    for ids, mask in zip(out["completion_ids"], out[ENV_MASK], strict=True):
        assert len(ids) == len(mask) and 0 in mask and mask[0] == 1 and mask[-1] == 1
        feedback = tokenizer.decode([token for token, keep in zip(ids, mask, strict=True) if not keep])
        assert "I ran your code against the tests." in feedback and "tests: 0/1 passed" in feedback
        assert agent_prompts.REVISE in feedback
    # The revision passed the public tests: the episode stopped there, and its answer is what gets graded.
    assert out[FINAL_REPLY] == [as_completion(RIGHT)] * 2
    assert rollout.script == []


@pytest.mark.docker
def test_a_repeated_failing_answer_is_not_run_again_and_the_model_is_told(
    tokenizer: Any, pool: SandboxPool, tmp_path: Any
) -> None:
    wrong_public = wrong_public_task()
    replies = [as_completion(WRONG), as_completion(WRONG), as_completion(RIGHT)]
    out = scripted(replies, wrong_public, pool, max_turns=3)(
        [first_messages(wrong_public)], FakeTrainer(tokenizer, tmp_path)
    )
    [ids], [mask] = out["completion_ids"], out[ENV_MASK]
    feedback = tokenizer.decode([token for token, keep in zip(ids, mask, strict=True) if not keep])
    assert feedback.count(RAN) == 1 and feedback.count(REPEATED) == 1  # one run, one repeat answered from it
    assert feedback.count("tests: 0/1 passed") == 2  # the repeat shows the earlier result
    assert out[FINAL_REPLY] == [as_completion(RIGHT)]


@pytest.mark.docker
def test_no_code_block_gets_the_agents_nudge_and_the_last_turn_ends_the_episode(
    tokenizer: Any, pool: SandboxPool, tmp_path: Any
) -> None:
    task = square_task()
    rollout = scripted(["I am not sure.", "Still thinking."], task, pool, max_turns=2)
    out = rollout([first_messages(task)], FakeTrainer(tokenizer, tmp_path))
    [ids], [mask] = out["completion_ids"], out[ENV_MASK]
    feedback = tokenizer.decode([token for token, keep in zip(ids, mask, strict=True) if not keep])
    assert agent_prompts.NO_ACTION in feedback
    assert out[FINAL_REPLY] == ["Still thinking."]  # no reply carried code: the last one


@pytest.mark.docker
def test_the_episode_budget_counts_feedback_and_cuts_a_reply_to_what_is_left(
    tokenizer: Any, pool: SandboxPool, tmp_path: Any
) -> None:
    task = wrong_public_task()

    def episode_mask(max_episode_tokens: int) -> list[int]:
        rollout = scripted(
            [as_completion(WRONG)] * 3, task, pool, max_turns=3, max_episode_tokens=max_episode_tokens
        )
        [mask] = rollout([first_messages(task)], FakeTrainer(tokenizer, tmp_path))[ENV_MASK]
        return mask

    free = episode_mask(2048)
    reply = free.index(0)
    feedback = free[reply:].index(1)
    assert reply > 5 and feedback > 5
    # A feedback turn that would spend the rest ends the episode before it.
    assert episode_mask(reply + feedback) == [1] * reply
    # Five tokens left after the feedback: the next reply is cut to them, and the episode ends at the budget.
    assert episode_mask(reply + feedback + 5) == [1] * reply + [0] * feedback + [1] * 5
    records = [json.loads(line) for line in (tmp_path / EPISODES_FILE).read_text().splitlines()]
    assert [record["turns"] for record in records] == [3, 1, 2]


@pytest.mark.docker
def test_a_reply_cut_by_the_budget_does_not_replace_a_finished_answer(
    tokenizer: Any, pool: SandboxPool, tmp_path: Any
) -> None:
    task = wrong_public_task()
    first, second = as_completion(WRONG), f"```python\n{RIGHT}```\n"

    def episode(max_episode_tokens: int) -> dict[str, Any]:
        rollout = scripted([first, second], task, pool, max_turns=2, max_episode_tokens=max_episode_tokens)
        return rollout([first_messages(task)], FakeTrainer(tokenizer, tmp_path))

    free = episode(2048)
    assert free[FINAL_REPLY] == [second]  # finished, with code: it is the answer graded
    [mask] = free[ENV_MASK]
    used = mask.index(0) + mask[mask.index(0) :].index(1)  # the first reply and its feedback
    cut = episode(used + 12)
    [ids] = cut["completion_ids"]
    fragment = tokenizer.decode(ids[used:])
    assert extract_answer(fragment, entry_point="square").code is not None  # a fragment that parses as code
    assert cut[FINAL_REPLY] == [first]


@pytest.mark.docker
def test_a_reply_cut_by_its_own_limit_gets_the_end_of_turn_before_the_feedback(
    tokenizer: Any, pool: SandboxPool, tmp_path: Any
) -> None:
    task = wrong_public_task()
    rollout = scripted([as_completion(WRONG)] * 2, task, pool, max_new_tokens=8, max_turns=2)
    out = rollout([first_messages(task)], FakeTrainer(tokenizer, tmp_path))
    [ids], [mask] = out["completion_ids"], out[ENV_MASK]
    assert mask[:8] == [1] * 8 and ids[7] != tokenizer.eos_token_id  # the reply, cut at 8 tokens
    assert mask[8] == 0 and ids[8] == tokenizer.eos_token_id  # the template's end-of-turn, masked
    assert len(ids) == mask.count(0) + 16  # two replies of 8, the rest feedback


@pytest.mark.docker
def test_a_sandbox_that_cannot_run_ends_the_episode_and_leaves_it_unscored(
    tokenizer: Any, missing_image_pool: SandboxPool, tmp_path: Any
) -> None:
    from rl.config import RewardConfig
    from rl.dataset import verification_info
    from rl.trl_reward import TrlReward

    task = square_task()
    rollout = scripted([as_completion(RIGHT)], task, missing_image_pool, max_turns=3)
    out = rollout([first_messages(task)], FakeTrainer(tokenizer, tmp_path))
    assert set(out[ENV_MASK][0]) == {1}  # no feedback turn made of an infrastructure error
    reward = TrlReward(
        missing_image_pool, RewardConfig(infra_max_attempts=2, infra_backoff_s=0.1), answer_column=FINAL_REPLY
    )
    rewards = reward(
        [first_messages(task)],
        ["the whole episode"],
        verification_info=[verification_info(task)],
        **{FINAL_REPLY: out[FINAL_REPLY]},
    )
    assert rewards == [None]  # TRL: not scored, never a 0.0 failure


@pytest.mark.docker
def test_the_reward_grades_the_final_reply_not_the_whole_episode(pool: SandboxPool) -> None:
    from rl.dataset import verification_info
    from rl.trl_reward import TrlReward

    task = square_task()
    episode = as_completion(WRONG) + "\nuser\ntests: 0/1 passed\nassistant\n" + as_completion(RIGHT)
    rewards = TrlReward(pool, answer_column=FINAL_REPLY)(
        [first_messages(task)] * 2,
        [episode, episode],
        verification_info=[verification_info(task)] * 2,
        **{FINAL_REPLY: [as_completion(RIGHT), as_completion(WRONG)]},
    )
    assert rewards[0] == 1.0 and rewards[1] is not None and rewards[1] < 1.0


pytest.importorskip("trl")


@pytest.mark.slow
@pytest.mark.docker
def test_two_steps_of_multi_turn_grpo_log_rewards_and_save_a_loadable_model(
    pool: SandboxPool, tmp_path: Any
) -> None:
    from agent.messages import Message
    from agent.models.base import Sampling
    from agent.models.config import ModelConfig, load_model
    from agent.models.embedded import TINY_MODEL, embedded_model_dir
    from rl.grpo import GrpoSettings, run_grpo
    from tasks.generated import generated_suite

    settings = GrpoSettings(
        model_dir=embedded_model_dir(TINY_MODEL),
        out=tmp_path,
        steps=2,
        num_generations=2,
        prompts_per_step=1,
        max_completion_length=32,
        save_steps=10,
        multi_turn=MultiTurnSettings(max_turns=2, feedback_chars=300),
        micro_batch=1,  # two accumulated passes per step: one generation of episodes, one optimizer step
    )
    printed = io.StringIO()
    outcome = run_grpo(settings, generated_suite("train")[:2], pool, Console(file=printed, width=200))

    steps = [row for row in outcome.log_history if "reward" in row]
    assert [row["step"] for row in steps] == [1, 2]
    for row in steps:
        assert 0.0 <= row["rewards/sandbox_reward/mean"] <= 1.0
        assert "loss" in row
    rows = [json.loads(line) for line in outcome.log.read_text().splitlines()]
    assert [row["step"] for row in rows] == [1, 2]
    episodes = [json.loads(line) for line in (tmp_path / EPISODES_FILE).read_text().splitlines()]
    assert [e["step"] for e in episodes] == [1, 1, 2, 2]  # 1 prompt x 2 generations a step
    for step, row in zip([1, 2], steps, strict=True):
        of_step = [e for e in episodes if e["step"] == step]
        # TRL counted the model's tokens only (its completion length sums env_mask): feedback is masked.
        model_tokens = [sum(n for n, trained in e["segments"] if trained) for e in of_step]
        assert row["completions/mean_length"] == pytest.approx(sum(model_tokens) / len(model_tokens))
    for episode in episodes:
        kinds = [trained for _, trained in episode["segments"]]
        assert kinds == [1, 0] * (episode["turns"] - 1) + [1]  # feedback between every two replies
    assert any(episode["turns"] == 2 for episode in episodes), "no episode reached a second turn"
    model = load_model(ModelConfig(backend="transformers", model=str(outcome.final_dir)))
    reply = model.chat(
        [Message(role="user", content="Write add(a, b) in Python.")],
        sampling=Sampling(temperature=0.0, max_tokens=12),
    )
    assert reply.completion_tokens > 0
