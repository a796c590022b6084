"""OpenRLHF's remote reward protocol against the real server, posted as OpenRLHF's client posts it.

OpenRLHF (`remote_rm_fn` / `_fetch_rewards_via_http`) sends `{"query", "prompts", "labels"}` as JSON with
`requests`/`aiohttp`, calls `raise_for_status()` and reads `rewards`, `scores` and `extra_logs` back.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from rl.dataset import verification_info
from sandbox import IOCase
from tasks.spec import TaskSpec, TestSet
from tests.rl.samples import WRONG, as_completion, square_task
from tests.sandbox.test_reward_hacks import CHEATS, HONEST

pytestmark = pytest.mark.docker

TEMPLATE = "<|im_start|>user\n{problem}<|im_end|>\n<|im_start|>assistant\n"
# The prompt shows a right solution: graded by mistake, it would earn a reward the response did not.
SHOWN = "Write square(x). It starts like this:\n```python\ndef square(x):\n    return x * x\n```"


def post(url: str, queries: list[str], prompts: list[str], labels: list[str]) -> requests.Response:
    data = {"query": queries, "prompts": prompts, "labels": labels}
    return requests.post(
        url=f"{url}/openrlhf/reward", json=data, headers={"Content-Type": "application/json"}, timeout=180
    )


def rewards(url: str, samples: list[tuple[str, str, TaskSpec]]) -> dict[str, Any]:
    """samples: (prompt, response, task); the query is the prompt followed by the response, as OpenRLHF decodes it."""
    answer = post(
        url,
        [prompt + response + "<|im_end|>" for prompt, response, _ in samples],
        [prompt for prompt, _, _ in samples],
        [verification_info(task) for _, _, task in samples],
    )
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


def doubling_task() -> TaskSpec:
    cases = [IOCase(input="2\n", output="4\n"), IOCase(input="-5\n", output="-10\n")]
    return TaskSpec(
        id="toy/double",
        suite="toy",
        prompt="Print twice the number read.",
        kind="stdio",
        public_tests=TestSet(cases=cases[:1]),
        hidden_tests=TestSet(cases=cases),
        time_limit_s=3,
    )


def test_rewards_for_right_wrong_and_stdio_answers(url: str) -> None:
    prompt = TEMPLATE.format(problem="Write square(x).")
    body = rewards(
        url,
        [
            (prompt, as_completion(HONEST), square_task()),
            (prompt, as_completion(WRONG), square_task()),
            (prompt, as_completion("print(2 * int(input()))"), doubling_task()),
            (prompt, as_completion("print(int(input()) + 2)"), doubling_task()),
        ],
    )
    assert body["rewards"] == [1.0, 0.2, 1.0, 0.5]
    assert body["scores"] == body["rewards"]
    assert body["extra_logs"] == {
        "passed": [1.0, 0.0, 1.0, 0.0],
        "pass_fraction": [1.0, 0.2, 1.0, 0.5],
        "no_answer": [0.0, 0.0, 0.0, 0.0],
        "well_formed": [1.0, 1.0, 1.0, 1.0],
    }


def test_the_prompt_is_cut_off_before_the_answer_is_read(url: str) -> None:
    prompt = TEMPLATE.format(problem=SHOWN)
    body = rewards(url, [(prompt, "I am not sure how to do this.", square_task())])
    assert body["rewards"] == [0.0]
    assert body["extra_logs"]["no_answer"] == [1.0]


def test_a_response_cut_inside_a_template_opened_thinking_has_no_answer(url: str) -> None:
    prompt = TEMPLATE.format(problem="Write square(x).") + "<think>\n"
    cut = f"Maybe:\n```python\n{HONEST}```\nthen check it"
    done = f"Maybe x * x.\n</think>\n\n```python\n{HONEST}```"
    body = rewards(url, [(prompt, cut, square_task()), (prompt, done, square_task())])
    assert body["rewards"] == [0.0, 1.0]
    assert body["extra_logs"]["no_answer"] == [1.0, 0.0]


def test_no_reward_hack_earns_the_full_reward(url: str) -> None:
    prompt = TEMPLATE.format(problem="Write square(x).")
    body = rewards(url, [(prompt, as_completion(cheat), square_task()) for cheat in CHEATS.values()])
    assert all(reward < 1.0 for reward in body["rewards"]), dict(zip(CHEATS, body["rewards"], strict=True))
    assert body["extra_logs"]["passed"] == [0.0] * len(CHEATS)


def test_malformed_requests_are_400s_naming_the_item(url: str) -> None:
    prompt = TEMPLATE.format(problem="Write square(x).")
    label = verification_info(square_task())
    uneven = post(url, [prompt + "x"], [prompt, prompt], [label])
    assert uneven.status_code == 400 and "as long" in uneven.json()["detail"]
    foreign = post(url, ["something else entirely"], [prompt], [label])
    assert (foreign.status_code, foreign.json()["detail"]) == (400, "query[0]: does not contain prompts[0]")
    bad_label = post(url, [prompt + "x", prompt + "y"], [prompt, prompt], [label, '{"answer": 42}'])
    assert bad_label.status_code == 400 and bad_label.json()["detail"].startswith(
        "labels[1]: not a sandloop verification info"
    )
