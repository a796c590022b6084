"""`sandloop serve`: the sandbox pool behind SandboxFusion's HTTP API (and OpenRLHF's remote reward).

SandboxFusion's clients (its SDK, verl, SkyRL, ROLL) post `/run_code` and `/submit`; OpenRLHF posts
`/openrlhf/reward`. One ASGI app (`serve.app.create_app`) answers all of them over one warm pool.
"""

from serve.config import ServeConfig

__all__ = ["ServeConfig"]
