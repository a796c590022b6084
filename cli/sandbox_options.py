"""`--sandbox-url` and `--sandbox-token-env`, shared by the commands that grade (run, evaluate, rollouts, train grpo)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli.errors import fail

if TYPE_CHECKING:
    from sandbox.remote import RemoteConfig

TOKEN_ENV = "SANDLOOP_SANDBOX_TOKEN"  # sandbox.remote.TOKEN_ENV, without importing the HTTP client for --help

SandboxUrls = Annotated[
    list[str] | None,
    typer.Option(
        "--sandbox-url",
        help="A `sandloop serve` URL (http://HOST:PORT) to run jobs on instead of local Docker; repeat to "
        "spread jobs across several.",
    ),
]
SandboxTokenEnv = Annotated[
    str, typer.Option(help="Environment variable holding the servers' bearer token (--sandbox-url).")
]


def remote_sandbox(urls: list[str] | None, token_env: str) -> RemoteConfig | None:
    """The remote servers the options name (None: a local pool); a bad URL is a one-line error."""
    if not urls:
        return None
    from pydantic import ValidationError

    from sandbox.remote import remote_config

    try:
        return remote_config(urls, token_env)
    except ValidationError as error:
        message = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
        raise fail(f"--sandbox-url: {message}") from None
