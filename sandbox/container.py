"""One warm sandbox container: created locked down, attached, and answering jobs through its executor."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

import docker
from docker.types import LogConfig

from sandbox.channel import Channel
from sandbox.config import PoolConfig
from sandbox.engine import ENGINE_ERRORS
from sandbox.errors import ContainerLost, ContainerStartFailed, ProtocolMismatch
from sandbox.image import executor_protocol as wire
from sandbox.image import recipe

# What PID 1 needs to clean up after jobs: kill them (other uid), empty their files, chown the work dir,
# switch to the job user. Jobs run as that user and keep none of these.
EXECUTOR_CAPABILITIES = ["KILL", "SETUID", "SETGID", "CHOWN", "DAC_OVERRIDE", "FOWNER"]
LABEL = "sandloop.sandbox"
# SysV IPC objects and POSIX message queues outlive a process; one job could leave data for the next. Off.
NO_SYSV_OR_MQUEUE_IPC = {
    "kernel.shmmni": "0",
    "kernel.msgmni": "0",
    "kernel.sem": "0 0 0 0",
    "fs.mqueue.queues_max": "0",
}


def _exec_option(config: PoolConfig) -> str:
    """Compiled programs run from the scratch dir, which Docker mounts noexec unless told otherwise; a
    Python-only pool keeps it noexec."""
    return "exec," if set(config.languages) & set(recipe.NATIVE_BINARIES) else ""


def host_config(api: docker.APIClient, config: PoolConfig) -> dict[str, Any]:
    memory = f"{config.memory_mb}m"
    return api.create_host_config(
        network_mode="none",
        read_only=True,
        tmpfs={"/tmp": f"rw,nosuid,nodev,{_exec_option(config)}size={config.scratch_mb}m,mode=1777"},
        shm_size="16m",
        mem_limit=memory,
        memswap_limit=memory,
        pids_limit=config.pids,
        nano_cpus=int(config.cpus * 1e9),
        cap_drop=["ALL"],
        cap_add=EXECUTOR_CAPABILITIES,
        security_opt=["no-new-privileges"],
        ipc_mode="private",
        sysctls=NO_SYSV_OR_MQUEUE_IPC,
        auto_remove=True,
        # Answers travel on stdout through the attach stream, which needs no log: a log driver would keep
        # every answer on the host's disk.
        log_config=LogConfig(type=LogConfig.types.NONE),
    )


class WarmContainer:
    def __init__(self, api: docker.APIClient, container_id: str, channel: Channel) -> None:
        self._api = api
        self.id = container_id
        self._channel = channel

    @classmethod
    def start(
        cls, api: docker.APIClient, config: PoolConfig, image: str, labels: dict[str, str]
    ) -> WarmContainer:
        name = f"sandloop-{uuid.uuid4().hex[:12]}"
        try:
            created = api.create_container(
                image,
                name=name,
                user="0",
                stdin_open=True,
                detach=False,  # with stdin_open this sets StdinOnce: when the host's connection drops,
                # the executor reads EOF and exits, and Docker removes the container
                tty=False,
                network_disabled=True,
                labels={LABEL: "1", **labels},
                host_config=host_config(api, config),
            )
            container_id = created["Id"]
            attached = api.attach_socket(
                container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            )
            api.start(container_id)
        except ENGINE_ERRORS as error:
            with contextlib.suppress(*ENGINE_ERRORS):
                api.remove_container(name, force=True)
            raise ContainerStartFailed(
                f"could not start a sandbox container from {image}: {error}"
            ) from error
        except BaseException:  # Ctrl-C: a container created but not started is never auto-removed
            with contextlib.suppress(*ENGINE_ERRORS):
                api.remove_container(name, force=True)
            raise
        warm = cls(api, container_id, Channel(attached))
        ping: wire.PingFrame = {"v": wire.PROTOCOL_VERSION, "kind": "ping"}
        try:
            warm.execute(json.dumps(ping).encode(), config.start_timeout_s)
        except ContainerLost as error:
            warm.close()
            raise ContainerStartFailed(f"the sandbox executor did not come up: {error}") from error
        except ProtocolMismatch as error:
            warm.close()
            raise ContainerStartFailed(f"{image}: {error}") from error
        except BaseException:
            warm.close()
            raise
        return warm

    def execute(self, payload: bytes, guard_s: float) -> wire.Answer:
        """Send one encoded job frame and wait for its answer; ContainerLost when the container dies or
        hangs, ProtocolMismatch when its executor speaks another protocol version."""
        self._channel.send(payload)
        answer = self._channel.receive(guard_s)
        if answer["kind"] == "protocol_error":
            raise ProtocolMismatch(answer["message"])
        mismatch = wire.version_mismatch(answer.get("v"), they="sandbox image", we="host")
        if mismatch is not None:
            raise ProtocolMismatch(mismatch)
        return answer

    def disconnect(self) -> None:
        """Let the container go: its executor exits at EOF and Docker removes it (auto-remove)."""
        self._channel.close()

    def close(self) -> None:
        """Kill the container now (it may be hung); Docker removes it (auto-remove)."""
        self._channel.close()
        with contextlib.suppress(*ENGINE_ERRORS):  # a lost engine has no container left to kill
            self._api.remove_container(self.id, force=True)
