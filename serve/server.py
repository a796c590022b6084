"""Run the app under uvicorn, with a shutdown that drains: SIGTERM/SIGINT stop intake, finish what runs, release."""

from __future__ import annotations

import sys
from types import FrameType

import uvicorn
from fastapi import FastAPI

from sandbox import SandboxPool
from serve.app import begin_drain, create_app
from serve.config import ServeConfig


class DrainingServer(uvicorn.Server):
    """uvicorn's server, telling the app when a shutdown signal arrives (so queued requests get 503 at once)."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self.app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        begin_drain(self.app)
        super().handle_exit(sig, frame)


def serve(config: ServeConfig) -> None:
    """Serve until a signal; in-flight requests get `config.shutdown_grace_s` to finish, then the pool closes.

    The pool starts before the port opens (a missing image is a SandboxError here, not a half-up server).
    """
    with SandboxPool(config.pool) as pool:
        _serve_with(config, pool)


def _serve_with(config: ServeConfig, pool: SandboxPool) -> None:
    # Job threads (JSON framing to the containers) and the event loop share the GIL: hand it back to the loop
    # every 0.5 ms rather than 5 ms, or each response can wait a whole interval behind a busy job thread.
    sys.setswitchinterval(0.0005)
    app = create_app(config, pool)
    server_config = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=int(config.shutdown_grace_s),
        # Connections past the admission capacity are refused (503) before their bodies are read, so memory
        # stays bounded by about (workers + queue_size + 16) x max_body_bytes.
        limit_concurrency=config.pool.size + config.queue_size + 16,
        lifespan="on",
        # uvloop and httptools when installed (they are dependencies): ~1 ms less server CPU per request here.
        loop="auto",
        http="auto",
    )
    DrainingServer(server_config, app).run()
