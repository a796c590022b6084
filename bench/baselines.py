"""The peers sandloop's sandbox is measured against, each run as its own process by bench.sandbox_humaneval.

`python -m bench.baselines docker-run|docker-exec IMAGE PROGRAMS.json [PARALLEL]`: one `docker run --rm` per
check, or one `docker exec` per check into one warm container; prints how many checks passed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

LIMITS = ["--network", "none", "--memory", "512m", "--pids-limit", "64"]


def docker_run(image: str, program: str) -> bool:
    command = ["docker", "run", "--rm", "-i", *LIMITS, image, "timeout", "3", "python3", "-"]
    return subprocess.run(command, input=program, capture_output=True, text=True, check=False).returncode == 0


def main(mode: str, image: str, programs_file: str, parallel: int = 2) -> int:
    programs: list[str] = json.loads(Path(programs_file).read_text())
    if mode == "docker-run":
        with ThreadPoolExecutor(parallel) as workers:
            passed = sum(workers.map(lambda p: docker_run(image, p), programs))
    else:
        name = f"sandloop-bench-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            ["docker", "run", "-d", "--name", name, *LIMITS, image, "sleep", "infinity"],
            check=True,
            capture_output=True,
        )
        try:

            def exec_one(program: str) -> bool:
                command = ["docker", "exec", "-i", name, "timeout", "3", "python3", "-"]
                return (
                    subprocess.run(
                        command, input=program, capture_output=True, text=True, check=False
                    ).returncode
                    == 0
                )

            with ThreadPoolExecutor(parallel) as workers:
                passed = sum(workers.map(exec_one, programs))
        finally:
            subprocess.run(["docker", "rm", "-f", name], check=False, capture_output=True)
    print(json.dumps({"passed": passed, "total": len(programs)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], *(int(a) for a in sys.argv[4:])))
