"""The seeds of a seeded run's draws (agent.seeds): the run's own first, then one per sample and call."""

from __future__ import annotations

from agent.scripted import ScriptedModel
from agent.seeds import derived_seed
from batch.config import RunConfig
from batch.sample import sample_agent_config, single_shot_answer
from tests.support.toy_tasks import make_add_task


def test_the_first_draw_keeps_the_given_seed_and_an_unseeded_run_stays_unseeded() -> None:
    assert derived_seed(5) == 5
    assert derived_seed(5, 0, 0) == 5
    assert derived_seed(None, 3, 2) is None


def test_other_draws_get_distinct_reproducible_31_bit_seeds() -> None:
    positions = [(i, j) for i in range(20) for j in range(8)]
    seeds = [derived_seed(5, i, j) for i, j in positions]
    assert len(set(seeds)) == len(seeds)
    assert seeds == [derived_seed(5, i, j) for i, j in positions]
    assert all(seed is not None and 0 <= seed < 2**31 for seed in seeds)
    assert derived_seed(5, 1) != derived_seed(6, 1)


def test_the_samples_of_a_seeded_run_are_sampled_with_different_seeds() -> None:
    """Otherwise a seeded backend makes every sample of a task the same sample, and pass@k of n samples is
    pass@1 of one."""
    run = RunConfig.model_validate(
        {"suite": "toy", "backend": "scripted", "mode": "single-shot", "agent": {"sampling": {"seed": 3}}}
    )
    model = ScriptedModel(["```python\ndef add(a, b):\n    return a + b\n```"] * 3)
    for index in range(3):
        single_shot_answer(model, make_add_task(), sample_agent_config(run.agent, index))
    assert [s.seed for s in model.samplings] == [3, derived_seed(3, 1), derived_seed(3, 2)]
    assert len({s.seed for s in model.samplings}) == 3
    unseeded = RunConfig(suite="toy", backend="scripted")
    assert sample_agent_config(unseeded.agent, 2) == unseeded.agent
