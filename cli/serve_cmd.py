"""`sandloop serve`: the sandbox as an HTTP service (SandboxFusion's API, OpenRLHF's remote reward)."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from cli.errors import fail, sandbox_errors


def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; not loopback: needs --token or --insecure.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="SANDLOOP_SERVE_TOKEN", help="Bearer token required on every endpoint but /v1/ping."
        ),
    ] = None,
    insecure: Annotated[bool, typer.Option(help="Allow a non-loopback address without a token.")] = False,
    workers: Annotated[
        int | None, typer.Option(help="Warm containers, so jobs at once (default: the cores).")
    ] = None,
    queue_size: Annotated[
        int, typer.Option(help="Requests that may wait beyond those running; more get 429.")
    ] = 256,
    max_body_mb: Annotated[float, typer.Option(help="Largest request body (MB); larger gets 413.")] = 8.0,
    max_run_timeout: Annotated[float, typer.Option(help="Largest run_timeout a request may ask (s).")] = 60.0,
    languages: Annotated[
        str,
        typer.Option(
            help="Comma-separated languages to serve (python, cpp, java, go, rust, nodejs, bash) or all."
        ),
    ] = "python",
) -> None:
    """Serve the sandbox over HTTP: POST /run_code, /submit (SandboxFusion), /openrlhf/reward; GET /v1/ping."""
    from sandbox import PoolConfig
    from sandbox.image import recipe
    from serve.config import ServeConfig
    from serve.server import serve as run_server

    try:
        served = recipe.language_set(word.strip() for word in languages.split(",") if word.strip())
        pool = PoolConfig(size=workers, languages=served) if workers else PoolConfig(languages=served)
        config = ServeConfig(
            host=host,
            port=port,
            token=token,
            insecure=insecure,
            queue_size=queue_size,
            max_body_bytes=int(max_body_mb * 1024 * 1024),
            max_run_timeout_s=max_run_timeout,
            pool=pool,
        )
    except ValueError as error:
        if not isinstance(error, ValidationError):
            raise fail(f"--languages: {error}") from None
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise fail(f"{where + ': ' if where else ''}{first['msg'].removeprefix('Value error, ')}") from None
    with sandbox_errors():
        run_server(config)
