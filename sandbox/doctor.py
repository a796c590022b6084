"""`sandloop sandbox doctor`: what the sandbox needs, checked one by one, in plain words."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from sandbox.errors import SandboxError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def diagnose() -> list[Check]:
    from sandbox.engine import connect
    from sandbox.image import recipe
    from sandbox.image.build import image_exists

    checks = []
    try:
        client = connect(timeout_s=10)
    except SandboxError as error:
        return [Check("Docker engine", False, str(error)), *_build_tools()]
    version = client.version()
    cgroup = client.info().get("CgroupVersion", "?")
    checks.append(Check("Docker engine", True, f"{version.get('Version')} (cgroup v{cgroup})"))
    tag = recipe.image_tag()
    if image_exists(client, tag):
        checks.append(Check("sandbox image", True, tag))
        checks.append(_trial_run())
    else:
        checks.append(Check("sandbox image", False, f"{tag} is not built: run `sandloop sandbox build`"))
        checks += _build_tools()
    return checks


def _build_tools() -> list[Check]:
    tool = shutil.which("mmdebstrap") or shutil.which("debootstrap")
    if tool:
        return [Check("image build tool", True, tool)]
    return [Check("image build tool", False, "no debootstrap: `apt-get install -y debootstrap` (as root)")]


def _trial_run() -> Check:
    from sandbox.config import PoolConfig
    from sandbox.models import RunJob
    from sandbox.pool import SandboxPool

    try:
        with SandboxPool(PoolConfig(size=1)) as pool:
            result = pool.run(RunJob(source="import sys; print(sys.version.split()[0])"))
    except SandboxError as error:
        return Check("trial run", False, str(error))
    if result.status != "passed":
        return Check("trial run", False, f"{result.status}: {result.message}")
    return Check("trial run", True, f"Python {result.stdout.strip()} in a locked-down container")
