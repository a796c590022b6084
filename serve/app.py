"""The ASGI app: SandboxFusion's endpoints and OpenRLHF's reward over one warm pool, behind the guards."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from rl.config import RewardConfig
from rl.rewards import SandboxReward
from sandbox import SandboxError, SandboxPool
from sandbox.remote import INFO_PATH, RUN_PATH, ServerInfo, schema_digest
from serve.config import ServeConfig
from serve.guards import BodyLimit, bearer_check
from serve.native import native_request
from serve.openrlhf import RewardRequest, RewardResponse, rewards
from serve.protocol import EvalResult, RunCodeRequest, RunCodeResponse, SubmitRequest
from serve.run_code import SandboxUnavailable, memory_class, run_code_response, run_job
from serve.runner import JobRunner, Refused
from serve.submit import submit

RETRY_AFTER_S = {429: "1", 503: "5"}
# Sandbox faults are retried inside the reward for this long before the request is answered 503.
REWARD_INFRA_RETRY_S = 10.0


def _refused(status_code: int, detail: str) -> JSONResponse:
    return JSONResponse(
        {"detail": detail}, status_code=status_code, headers={"Retry-After": RETRY_AFTER_S[status_code]}
    )


def create_app(config: ServeConfig, pool: SandboxPool | None = None) -> FastAPI:
    """The app; its lifespan starts the pool (before the port opens) and closes it after the last request."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sandbox = pool or SandboxPool(config.pool)
        await asyncio.to_thread(sandbox.start)
        app.state.loop = asyncio.get_running_loop()
        app.state.runner = JobRunner(sandbox, config.queue_size)
        app.state.reward = SandboxReward(sandbox, RewardConfig(infra_retry_s=REWARD_INFRA_RETRY_S))
        app.state.native_jobs = 0
        print(f"sandloop serve: {sandbox.config.size} warm containers on {sandbox.image}", file=sys.stderr)
        try:
            yield
        finally:
            app.state.runner.draining.set()
            await asyncio.to_thread(app.state.runner.close)
            if pool is None:
                sandbox.close()
            print("sandloop serve: stopped, containers released", file=sys.stderr)

    app = FastAPI(title="sandloop serve", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_middleware(BodyLimit, limit=config.max_body_bytes)

    @app.exception_handler(Refused)
    async def on_refused(request: Request, error: Refused) -> JSONResponse:
        return _refused(error.status_code, error.detail)

    @app.exception_handler(SandboxUnavailable)
    async def on_sandbox_fault(request: Request, error: SandboxUnavailable) -> JSONResponse:
        return _refused(503, f"sandbox unavailable, retry: {error}")

    @app.get("/v1/ping")
    async def ping() -> str:
        return "pong"

    guarded = APIRouter(dependencies=[Depends(bearer_check(config.token))])

    @guarded.post("/run_code")
    async def run_code(body: RunCodeRequest, request: Request) -> RunCodeResponse:
        runner: JobRunner = request.app.state.runner
        with runner.admit():
            result = await runner.run(run_job(body, config), memory_class(body))
        return run_code_response(result)

    @guarded.post("/submit")
    async def submit_code(body: SubmitRequest, request: Request) -> EvalResult:
        runner: JobRunner = request.app.state.runner
        with runner.admit():
            return await submit(body, runner, config)

    @guarded.post("/openrlhf/reward")
    async def openrlhf_reward(body: RewardRequest, request: Request) -> RewardResponse:
        runner: JobRunner = request.app.state.runner
        with runner.admit():
            return await rewards(body, request.app.state.reward)

    @guarded.get(INFO_PATH)
    async def info(request: Request) -> ServerInfo:
        runner: JobRunner = request.app.state.runner
        languages = list(runner.pool.languages)
        jobs = request.app.state.native_jobs
        return ServerInfo(schema_digest=schema_digest(), languages=languages, slots=runner.slots, jobs=jobs)

    @guarded.post(RUN_PATH)
    async def run_native(request: Request) -> Response:
        """sandloop's own clients (`--sandbox-url`): a job in, the pool's JobResult out, exactly."""
        runner: JobRunner = request.app.state.runner
        body = native_request(await request.body(), config, runner)
        with runner.admit():
            try:
                result = await runner.run(body.job, body.memory_mb)
            except SandboxError as error:  # the engine was lost: the client retries elsewhere or later
                raise SandboxUnavailable(str(error)) from None
        request.app.state.native_jobs += 1
        return Response(result.model_dump_json(), media_type="application/json")

    app.include_router(guarded)
    return app


def begin_drain(app: FastAPI) -> None:
    """Called from the signal handler: waiting requests get 503 from now on, running jobs finish."""
    loop: asyncio.AbstractEventLoop | None = getattr(app.state, "loop", None)
    runner: JobRunner | None = getattr(app.state, "runner", None)
    if loop is not None and runner is not None:
        loop.call_soon_threadsafe(runner.draining.set)
