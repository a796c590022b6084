"""Ray workers of an in-process vLLM run ask for a GPU: checked on a real local Ray given one logical GPU."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from batch.config import RunConfig
from batch.errors import BatchError
from batch.ray_workers import RayExecutor, gpus_per_worker

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_with_a_gpu() -> Iterator[None]:
    """A local Ray that believes it has one GPU (`ray start --num-gpus=1` on a machine without one)."""
    ray.init(num_cpus=2, num_gpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def gpu_probe() -> Callable[[int], tuple[list[str], str | None]]:
    """Work for the workers: the GPUs Ray gave the worker, and what CUDA sees there. Made inside a function,
    so Ray ships its code (a worker need not import the tests)."""

    def held_gpus(_: int) -> tuple[list[str], str | None]:
        import os

        import ray as worker_ray

        ids = worker_ray.get_runtime_context().get_accelerator_ids().get("GPU", [])
        return [str(gpu) for gpu in ids], os.environ.get("CUDA_VISIBLE_DEVICES")

    return held_gpus


def config(backend: str) -> RunConfig:
    return RunConfig(suite="humaneval", backend=backend)


def test_only_an_in_process_vllm_worker_asks_for_a_gpu() -> None:
    assert gpus_per_worker(config("vllm")) == 1
    assert [gpus_per_worker(config(name)) for name in ("openai", "transformers", "oracle")] == [0, 0, 0]


def meeting(count: int) -> Callable[[int], int]:
    """Work that returns only once `count` items are inside the same worker at once (else it times out)."""
    state: dict[str, object] = {}

    def meet(item: int) -> int:
        import threading

        barrier = state.setdefault("barrier", threading.Barrier(count, timeout=120))
        assert isinstance(barrier, threading.Barrier)
        barrier.wait()
        return item

    return meet


def test_vllm_workers_hold_a_gpu_and_no_more_start_than_there_are_gpus(ray_with_a_gpu: None) -> None:
    executor = RayExecutor(3, num_gpus=gpus_per_worker(config("vllm")))
    assert executor.workers == 1  # a second actor would wait for a GPU forever, and its samples with it
    results = list(executor.map_unordered(gpu_probe(), list(range(4))))
    assert results == [(["0"], "0")] * 4


def test_the_samples_asked_for_run_at_once_in_the_gpu_worker(ray_with_a_gpu: None) -> None:
    executor = RayExecutor(3, num_gpus=1)
    assert (executor.workers, executor.samples_per_worker) == (1, 3)
    assert sorted(executor.map_unordered(meeting(3), [0, 1, 2])) == [0, 1, 2]


def test_other_workers_hold_no_gpu(ray_with_a_gpu: None) -> None:
    executor = RayExecutor(2, num_gpus=gpus_per_worker(config("openai")))
    assert (executor.workers, executor.samples_per_worker) == (2, 1)
    results = list(executor.map_unordered(gpu_probe(), list(range(4))))
    assert all(ids == [] for ids, _ in results)


def test_a_cluster_short_of_gpus_is_one_clear_line(ray_with_a_gpu: None) -> None:
    with pytest.raises(
        BatchError, match=r"^each Ray worker needs 2 GPU for its vLLM engine; the Ray cluster has 1$"
    ):
        RayExecutor(1, num_gpus=2)
