"""One warm sandbox container: created locked down, attached, and answering jobs through its executor."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import tempfile
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

import docker
from docker.types import LogConfig

from sandbox.channel import Channel, wait_readable
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


class HostSocket:
    """A listening Unix socket in a private host folder, mounted read-only where the executor connects
    (wire.HOST_SOCKET). Only root in the container may enter the folder (jobs run as another user), and the
    socket is unlinked as soon as the executor connected, before any job."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="sandloop-sock-")  # mode 0700
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._listener.bind(str(Path(self.folder) / PurePosixPath(wire.HOST_SOCKET).name))
            self._listener.listen(1)
        except OSError:
            self.remove()
            raise

    @property
    def bind(self) -> str:
        return f"{self.folder}:{PurePosixPath(wire.HOST_SOCKET).parent}:ro"

    def accept(self, attached: Any, timeout_s: float) -> socket.socket | None:
        """The executor's connection; None when it said on the attach stream that it could not connect
        (an engine in a VM) or the stream ended: the frames then use the stream."""
        stream = getattr(attached, "_sock", attached)
        try:
            readable = wait_readable([self._listener, stream], timeout_s)
        except ContainerLost:
            return None
        if self._listener not in readable:
            return None
        connection, _ = self._listener.accept()
        connection.setblocking(True)
        return connection

    def remove(self) -> None:
        self._listener.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    @classmethod
    def open(cls) -> HostSocket | None:
        """One, or None where a socket cannot be made here (a path too long for AF_UNIX, a full disk)."""
        try:
            return cls()
        except OSError:
            return None


def local_engine(api: docker.APIClient) -> bool:
    """The engine runs on this machine (a Unix socket), so a folder here can be mounted into containers."""
    return str(api.base_url).startswith("http+docker://localhost")


def host_config(api: docker.APIClient, config: PoolConfig, binds: list[str] | None = None) -> dict[str, Any]:
    memory = f"{config.memory_mb}m"
    return api.create_host_config(
        binds=binds,
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
        host_socket = HostSocket.open() if local_engine(api) else None
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
                host_config=host_config(api, config, [host_socket.bind] if host_socket else None),
            )
            container_id = created["Id"]
            attached = api.attach_socket(
                container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            )
            api.start(container_id)
            direct = host_socket.accept(attached, config.start_timeout_s) if host_socket else None
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
        finally:
            if host_socket is not None:
                host_socket.remove()  # connected or not, nothing else may connect
        warm = cls(api, container_id, Channel(attached, direct))
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

    @property
    def transport(self) -> str:
        """`socket` when frames skip the engine (the executor connected to the host socket), else `stream`."""
        return self._channel.transport

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
